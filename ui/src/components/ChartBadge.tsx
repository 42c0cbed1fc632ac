/** The small badge of a chart that does not show every raw point, with its explanation for
 * screen readers and on hover. */
import { aggregationText } from "../lib/chartRange";

export function ChartBadge({
  aggregation,
  truncated,
  points,
  band,
  testId,
}: {
  aggregation: { field: string; minutes: number; note?: string | null } | null;
  truncated?: boolean;
  points: number;
  band: boolean;
  testId?: string;
}) {
  if (aggregation) {
    const { badge, full } = aggregationText(aggregation, points, band);
    return (
      <span className="tchart-badge" title={full} data-testid={testId}>
        <span aria-hidden="true">{badge}</span>
        <span className="sr-only">{full}</span>
      </span>
    );
  }
  if (!truncated) return null;
  const full = `Only the newest ${points} points of this range are shown.`;
  return (
    <span className="tchart-badge" title={full} data-testid={testId}>
      <span aria-hidden="true">Newest {points} points</span>
      <span className="sr-only">{full}</span>
    </span>
  );
}
