import { useMemo } from "react";
import { Actions } from "../api/actions";
import { useAio } from "../auth";

/** The signed-in user's actions API. */
export function useActions(): Actions {
  const aio = useAio();
  return useMemo(() => new Actions(aio.username), [aio.username]);
}
