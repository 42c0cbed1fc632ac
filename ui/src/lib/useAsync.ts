import { useCallback, useEffect, useRef, useState } from "react";

export interface AsyncState<T> {
  data: T | null;
  error: Error | null;
  loading: boolean;
  reload: () => void;
  setData: (update: T | ((old: T | null) => T | null) | null) => void;
}

/** Run a loader on mount and whenever deps change; ignore answers that arrive too late. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): AsyncState<T> {
  const [data, setDataState] = useState<T | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const generation = useRef(0);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const loader = useCallback(load, deps);

  useEffect(() => {
    const mine = ++generation.current;
    setLoading(true);
    loader().then(
      (value) => {
        if (generation.current !== mine) return;
        setDataState(value);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (generation.current !== mine) return;
        setError(err instanceof Error ? err : new Error(String(err)));
        setLoading(false);
      },
    );
  }, [loader, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  const setData = useCallback(
    (update: T | ((old: T | null) => T | null) | null) =>
      setDataState((old) =>
        typeof update === "function" ? (update as (o: T | null) => T | null)(old) : update,
      ),
    [],
  );
  return { data, error, loading, reload, setData };
}
