/** Writing a value from a control block, and showing why it failed. */
import { useCallback, useState } from "react";
import type { DataSource, FeedState } from "../source";

export function usePublish(source: DataSource, feed: FeedState | undefined) {
  const [error, setError] = useState<string | null>(null);
  const publish = useCallback(
    async (value: string) => {
      if (!source.publish || !feed) return;
      setError(null);
      try {
        await source.publish(feed.key, value);
      } catch (err) {
        setError(err instanceof Error ? err.message : String(err));
      }
    },
    [source, feed],
  );
  return { publish, error, readOnly: !source.publish };
}

export function PublishError({ error }: { error: string | null }) {
  return error ? (
    <p className="form-error small" role="alert">
      {error}
    </p>
  ) : null;
}
