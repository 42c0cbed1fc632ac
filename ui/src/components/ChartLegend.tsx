/** A time chart's legend: a row above the plot that wraps, so it never covers the plot;
 * the values under the cursor while hovering; a small badge such as "Aggregated". */
import type { ReactNode } from "react";
import type { ChartSeries } from "../lib/chartOptions";

export interface LegendCursor {
  /** The time under the cursor, formatted. */
  time: string;
  values: (number | null | undefined)[];
}

function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  return Math.abs(value) >= 1e6 || (value !== 0 && Math.abs(value) < 1e-3)
    ? value.toExponential(3)
    : String(Math.round(value * 1000) / 1000);
}

export function ChartLegend({
  series,
  colors,
  feedKeyLegend,
  cursor,
  badge,
}: {
  series: ChartSeries[];
  colors: string[];
  feedKeyLegend?: boolean;
  cursor: LegendCursor | null;
  badge?: ReactNode;
}) {
  return (
    <div className="tchart-legend">
      {series.map((s, i) => (
        <span key={i} className="tchart-key">
          <span className="tchart-swatch" style={{ background: colors[i] }} aria-hidden="true" />
          <span className="tchart-label">{feedKeyLegend && s.key ? s.key : s.label}</span>
          {cursor && <span className="tchart-value">{formatNumber(cursor.values[i])}</span>}
        </span>
      ))}
      {cursor && <span className="tchart-time">{cursor.time}</span>}
      {badge}
    </div>
  );
}
