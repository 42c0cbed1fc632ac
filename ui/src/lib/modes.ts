/**
 * Access modes as people read them: "Read", "Read + write". Which modes a share or a token
 * may have, and how a token's scopes are written out in one line.
 */
import type { Mode, ShareModel, TokenScope } from "../api/types";

const LABELS: Record<Mode, string> = { r: "Read", w: "Write", rw: "Read + write" };

export function modeLabel(mode: string): string {
  return LABELS[mode as Mode] ?? mode;
}

/** Modes offered when sharing: dashboards are only ever read by others. */
export function shareModes(model: ShareModel): Mode[] {
  return model === "dashboard" ? ["r"] : ["r", "rw"];
}

/** Modes a device token may have on a feed or group. */
export const TOKEN_MODES: readonly Mode[] = ["r", "w", "rw"];

export function canWrite(mode: string | null | undefined): boolean {
  return !!mode && mode.includes("w");
}

export function canRead(mode: string | null | undefined): boolean {
  return !!mode && mode.includes("r");
}

/** "feed temperature: Read + write". */
export function formatScope(scope: Pick<TokenScope, "model" | "key" | "mode">): string {
  return `${scope.model} ${scope.key}: ${modeLabel(scope.mode)}`;
}

/** Every scope of a token, or a note that it has none (it can then do nothing). */
export function formatScopes(scopes: Pick<TokenScope, "model" | "key" | "mode">[]): string {
  if (!scopes.length) return "no scopes";
  return scopes.map(formatScope).join(", ");
}
