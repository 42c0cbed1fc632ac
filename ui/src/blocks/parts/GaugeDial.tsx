/** A 240° dial drawn in SVG, with optional warning bands at its ends. */
export function GaugeDial({
  fraction,
  text,
  label,
  min,
  max,
  ringWidth = 9,
  bands = [],
  warning = false,
  fill,
}: {
  fraction: number | null;
  text: string;
  label: string;
  min: number;
  max: number;
  ringWidth?: number;
  /** Stretches of the ring ([from, to] as fractions) drawn in the warning colour. */
  bands?: [number, number][];
  warning?: boolean;
  fill?: string | null;
}) {
  const r = 40;
  const cx = 50;
  const cy = 52;
  const start = (150 * Math.PI) / 180;
  const sweep = (240 * Math.PI) / 180;
  const point = (f: number) => [cx + r * Math.cos(start + sweep * f), cy + r * Math.sin(start + sweep * f)];
  const arc = (from: number, to: number) => {
    const [x0, y0] = point(from);
    const [x1, y1] = point(to);
    const large = sweep * (to - from) > Math.PI ? 1 : 0;
    return `M ${x0.toFixed(2)} ${y0.toFixed(2)} A ${r} ${r} 0 ${large} 1 ${x1.toFixed(2)} ${y1.toFixed(2)}`;
  };
  const width = Math.min(30, Math.max(2, ringWidth));
  return (
    <svg viewBox="0 0 100 90" role="img" aria-label={`${label || "Value"}: ${text}`}>
      <path className="gauge-track" d={arc(0, 1)} fill="none" strokeWidth={width} strokeLinecap="round" />
      {bands
        .filter(([a, b]) => b - a > 0.001)
        .map(([a, b]) => (
          <path key={`${a}-${b}`} className="gauge-band" d={arc(a, b)} fill="none" strokeWidth={width / 3} />
        ))}
      {fraction !== null && fraction > 0.001 && (
        <path
          className={warning ? "gauge-fill gauge-warning" : "gauge-fill"}
          d={arc(0, fraction)}
          fill="none"
          strokeWidth={width}
          strokeLinecap="round"
          style={fill && !warning ? { stroke: fill } : undefined}
        />
      )}
      <text className="gauge-text" x={cx} y={cy + 4} textAnchor="middle" fontSize={text.length > 7 ? 10 : 15}>
        {text}
      </text>
      {label && (
        <text className="gauge-label" x={cx} y={cy + 17} textAnchor="middle">
          {label}
        </text>
      )}
      <text className="gauge-label" x={point(0)[0]} y={86} textAnchor="middle">
        {min}
      </text>
      <text className="gauge-label" x={point(1)[0]} y={86} textAnchor="middle">
        {max}
      </text>
    </svg>
  );
}
