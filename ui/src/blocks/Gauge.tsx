/** A 240° dial drawn in SVG. */
export function GaugeDial({
  fraction,
  text,
  label,
  min,
  max,
}: {
  fraction: number | null;
  text: string;
  label: string;
  min: number;
  max: number;
}) {
  const r = 40;
  const cx = 50;
  const cy = 52;
  const start = (150 * Math.PI) / 180;
  const sweep = (240 * Math.PI) / 180;
  const point = (f: number) => [cx + r * Math.cos(start + sweep * f), cy + r * Math.sin(start + sweep * f)];
  const arc = (f: number) => {
    const [x0, y0] = point(0);
    const [x1, y1] = point(f);
    const large = sweep * f > Math.PI ? 1 : 0;
    return `M ${x0.toFixed(2)} ${y0.toFixed(2)} A ${r} ${r} 0 ${large} 1 ${x1.toFixed(2)} ${y1.toFixed(2)}`;
  };
  return (
    <svg viewBox="0 0 100 90" role="img" aria-label={`${label || "Value"}: ${text}`}>
      <path className="gauge-track" d={arc(1)} fill="none" strokeWidth={9} strokeLinecap="round" />
      {fraction !== null && fraction > 0.001 && (
        <path className="gauge-fill" d={arc(fraction)} fill="none" strokeWidth={9} strokeLinecap="round" />
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
