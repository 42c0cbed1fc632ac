/** The state of the live connection, as a dot beside a dashboard's name. */
import { useEffect, useState } from "react";
import { live } from "../lib/live";
import type { LiveStatus } from "../lib/live";

export function useLiveStatus(): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>(live.status);
  useEffect(() => live.onStatus((s) => setStatus(s)), []);
  return status;
}

export function LiveBadge() {
  const status = useLiveStatus();
  const text =
    status === "open" ? "live" : status === "reconnecting" ? "reconnecting…" : status === "connecting" ? "connecting…" : "offline";
  return (
    <span className={`live-dot live-${status}`} data-testid="live-status" data-status={status}>
      {text}
    </span>
  );
}
