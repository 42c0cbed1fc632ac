/** The points of a dry run on a time line: fired ones large and coloured, numbers by height. */
import type { DryRun } from "../api/actions";
import { toNumber } from "../lib/format";

const WIDTH = 1000;
const HEIGHT = 80;
const PAD = 8;

export function DryRunTimeline({ result }: { result: DryRun }) {
  const start = Date.parse(result.start_time);
  const span = Math.max(1, Date.parse(result.end_time) - start);
  const x = (iso: string) => PAD + ((Date.parse(iso) - start) / span) * (WIDTH - 2 * PAD);
  const numbers = result.points.map((p) => toNumber(p.value)).filter((n): n is number => n !== null);
  const low = Math.min(...numbers);
  const high = Math.max(...numbers);
  const y = (value: string) => {
    const n = toNumber(value);
    if (n === null || high === low) return HEIGHT / 2;
    return HEIGHT - PAD - ((n - low) / (high - low)) * (HEIGHT - 2 * PAD);
  };
  const times = [...result.points.map((p) => p.at), ...result.due];
  return (
    <svg
      className="dry-run-timeline"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={`${times.length} points or due times, ${result.fired} fired`}
      data-testid="dry-run-timeline"
    >
      <line x1={PAD} x2={WIDTH - PAD} y1={HEIGHT - 1} y2={HEIGHT - 1} className="dry-run-axis" />
      {result.points.map((p, i) => (
        <circle
          key={i}
          cx={x(p.at)}
          cy={y(p.value)}
          r={p.fired ? 6 : 3}
          className={p.fired ? "dry-run-fired" : "dry-run-point"}
        >
          <title>{`${p.at}: ${p.value} (${p.reason})`}</title>
        </circle>
      ))}
      {result.due.map((t) => (
        <circle key={t} cx={x(t)} cy={HEIGHT / 2} r={6} className="dry-run-fired">
          <title>{t}</title>
        </circle>
      ))}
    </svg>
  );
}
