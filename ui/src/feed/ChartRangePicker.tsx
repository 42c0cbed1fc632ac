/** The feed chart's range buttons, its custom range form and the "Reset zoom" link. */
import { useEffect, useState } from "react";
import type { FormEvent } from "react";
import { FormError } from "../components/States";
import { fromLocalInput, RANGES, toLocalInput } from "../lib/chartRange";
import type { RangeName, TimeWindow } from "../lib/chartRange";
import { formatTime } from "../lib/format";

export function ChartRangePicker({
  range,
  custom,
  timeZone,
  onPick,
}: {
  range: RangeName;
  custom: TimeWindow | null;
  timeZone?: string;
  /** A named range (custom null), or "custom" with its window. */
  onPick: (range: RangeName, custom: TimeWindow | null) => void;
}) {
  const [showCustom, setShowCustom] = useState(false);
  const [from, setFrom] = useState(toLocalInput(custom?.start ?? new Date(Date.now() - 86_400_000)));
  const [to, setTo] = useState(toLocalInput(custom?.end ?? new Date()));
  const [error, setError] = useState<string | null>(null);
  const customKey = custom ? `${custom.start.getTime()}-${custom.end.getTime()}` : "";
  useEffect(() => {
    // A zoom by dragging shows its window in the form.
    if (!custom) return;
    setFrom(toLocalInput(custom.start));
    setTo(toLocalInput(custom.end));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [customKey]);

  const pick = (name: RangeName) => {
    setShowCustom(false);
    onPick(name, null);
  };
  const apply = (e: FormEvent) => {
    e.preventDefault();
    const start = fromLocalInput(from);
    const end = fromLocalInput(to);
    if (!start || !end || start >= end) {
      setError("Choose a start before the end.");
      return;
    }
    setError(null);
    onPick("custom", { start, end });
  };

  return (
    <>
      <div className="chart-toolbar">
        <div className="btn-group" role="group" aria-label="Time range">
          {RANGES.map((r) => (
            <button
              key={r.name}
              type="button"
              className="btn btn-small"
              data-testid={`chart-range-${r.name}`}
              aria-pressed={range === r.name}
              onClick={() => pick(r.name)}
            >
              {r.label}
            </button>
          ))}
          <button
            type="button"
            className="btn btn-small"
            data-testid="chart-range-custom"
            aria-pressed={range === "custom"}
            aria-expanded={showCustom}
            onClick={() => setShowCustom((s) => !s)}
          >
            Custom
          </button>
        </div>
        {range === "custom" && custom && (
          <span className="muted small">
            {formatTime(custom.start.toISOString(), timeZone)} – {formatTime(custom.end.toISOString(), timeZone)}{" "}
            <button type="button" className="btn btn-small" onClick={() => pick("24h")}>
              Reset zoom
            </button>
          </span>
        )}
      </div>
      {showCustom && (
        <form className="inline-form" onSubmit={apply} style={{ marginBottom: "0.5rem" }}>
          <div>
            <label htmlFor="chart-from">From</label>
            <input
              id="chart-from"
              data-testid="chart-custom-from"
              type="datetime-local"
              value={from}
              onChange={(e) => setFrom(e.target.value)}
            />
          </div>
          <div>
            <label htmlFor="chart-to">To</label>
            <input
              id="chart-to"
              data-testid="chart-custom-to"
              type="datetime-local"
              value={to}
              onChange={(e) => setTo(e.target.value)}
            />
          </div>
          <button className="btn btn-primary btn-small" data-testid="chart-custom-apply">
            Show
          </button>
          <FormError error={error} />
        </form>
      )}
    </>
  );
}
