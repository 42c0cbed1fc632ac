/**
 * The uPlot options of a time chart: axes that shrink with the chart but keep their labels,
 * line, stepped or bar series, a min-max band per aggregated series, linear or log y.
 * The legend is not uPlot's (components/ChartLegend.tsx), so it can never overlap the plot.
 */
import uPlot from "uplot";
import type { Axis, Options, Series } from "uplot";

/** The data columns (1-based, as in AlignedData) holding a series' minimum and maximum. */
export interface SeriesBand {
  min: number;
  max: number;
}

export interface ChartSeries {
  label: string;
  /** The feed key: what the legend shows with `feedKeyLegend`. */
  key?: string;
  band?: SeriesBand;
}

/** How a chart looks: the line chart block's Adafruit IO properties. */
export interface ChartLook {
  steppedLine?: boolean;
  /** Bars suit on/off and count data. */
  style?: "line" | "bars";
  gridLines?: boolean;
  yAxisMin?: number | null;
  yAxisMax?: number | null;
  yAxisScale?: "linear" | "log";
  /** Text beside the y axis, such as a unit. */
  yAxisLabel?: string;
  /** Text below the time axis. */
  xAxisLabel?: string;
}

/** The time span (seconds) the x axis shows at least; null: just the data's. */
export type XWindow = () => [number, number] | null;

export interface ChartColors {
  text: string;
  grid: string;
  series: (index: number) => string;
}

/** Charts smaller than this (CSS px) get small type and fewer ticks. */
export const COMPACT_WIDTH = 360;
export const COMPACT_HEIGHT = 170;

export function isCompact(width: number, height: number): boolean {
  return width < COMPACT_WIDTH || height < COMPACT_HEIGHT;
}

/** A colour with an alpha, for band fills (hex colours; others are used as they are). */
export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{6})$/i.exec(color.trim());
  if (!hex) return color;
  return `#${hex[1]}${Math.round(alpha * 255).toString(16).padStart(2, "0")}`;
}

type SizedAxis = Axis & { _size?: number; font?: [string] };

/** A y axis as wide as its longest tick label, so labels are never cut off. */
function fitLabels(self: uPlot, values: string[] | null, axisIdx: number, cycleNum: number): number {
  const axis = self.axes[axisIdx] as SizedAxis;
  if (cycleNum > 1 && axis._size) return axis._size;
  let size = (axis.ticks?.size ?? 4) + (axis.gap ?? 4) + 4;
  const longest = (values ?? []).reduce((a, b) => (b.length > a.length ? b : a), "");
  if (longest && axis.font) {
    self.ctx.font = axis.font[0];
    size += self.ctx.measureText(longest).width / (window.devicePixelRatio || 1);
  }
  return Math.ceil(size);
}

function paths(look: ChartLook): Series.PathBuilder | undefined {
  if (look.style === "bars") return uPlot.paths.bars?.({ size: [0.6, 64] });
  if (look.steppedLine) return uPlot.paths.stepped?.({ align: 1 });
  return undefined;
}

/** The x scale: the window asked for, widened to any point outside it. Without a window,
 * uPlot fits the data, and pads a single point's time axis by 86,400,000 units: in seconds,
 * years. The times are read from the data itself, which that padding has not touched. */
function xScale(window?: XWindow): uPlot.Scale {
  if (!window) return { time: true };
  return {
    time: true,
    range: (u, dataMin, dataMax) => {
      const span = window();
      if (!span) return [dataMin, dataMax];
      const xs = u.data?.[0] ?? [];
      if (!xs.length) return span;
      return [Math.min(span[0], xs[0]), Math.max(span[1], xs[xs.length - 1])];
    },
  };
}

function yScale(look: ChartLook): uPlot.Scale {
  const log = look.yAxisScale === "log";
  const min = look.yAxisMin ?? null;
  const max = look.yAxisMax ?? null;
  const scale: uPlot.Scale = log ? { distr: 3, log: 10 } : {};
  if (min !== null || max !== null) {
    scale.range = (_u, dataMin, dataMax) => [
      min ?? Math.min(dataMin, max ?? dataMin),
      max ?? Math.max(dataMax, min ?? dataMax),
    ];
  }
  return scale;
}

export function chartOptions(args: {
  width: number;
  height: number;
  series: ChartSeries[];
  look: ChartLook;
  colors: ChartColors;
  zoomable: boolean;
  /** The x axis spans at least this window (read again at every redraw). */
  xWindow?: XWindow;
}): Options {
  const { width, height, series, look, colors, zoomable, xWindow } = args;
  const compact = isCompact(width, height);
  const font = `${compact ? 10 : 12}px system-ui, sans-serif`;
  const grid = { show: look.gridLines !== false, stroke: colors.grid, width: 1 };
  const ticks = { stroke: colors.grid, width: 1, size: compact ? 3 : 5 };
  const base = { stroke: colors.text, font, grid, ticks, gap: compact ? 2 : 5 };
  const draw = paths(look);
  const bandSeries: Series[] = [];
  const bands: uPlot.Band[] = [];
  series.forEach((s, i) => {
    if (!s.band) return;
    const hidden = { label: `${s.label} range`, stroke: "transparent", width: 0, spanGaps: true, points: { show: false } };
    bandSeries[s.band.min] = hidden;
    bandSeries[s.band.max] = hidden;
    bands.push({ series: [s.band.max, s.band.min], fill: withAlpha(colors.series(i), 0.18) });
  });
  const extra = bandSeries.filter(Boolean);
  return {
    width,
    height,
    legend: { show: false },
    cursor: { drag: { x: zoomable, y: false, setScale: false }, points: { size: compact ? 5 : 7 } },
    scales: { x: xScale(xWindow), y: yScale(look) },
    axes: [
      {
        ...base,
        size: compact ? 30 : 42,
        space: compact ? 56 : 70,
        ...(look.xAxisLabel ? { label: look.xAxisLabel, labelSize: compact ? 14 : 18, labelFont: font } : {}),
      },
      {
        ...base,
        size: fitLabels,
        space: compact ? 24 : 32,
        ...(look.yAxisLabel ? { label: look.yAxisLabel, labelSize: compact ? 14 : 18, labelFont: font } : {}),
      },
    ],
    series: [
      {},
      ...series.map((s, i) => ({
        label: s.label,
        stroke: colors.series(i),
        fill: look.style === "bars" ? withAlpha(colors.series(i), 0.6) : undefined,
        width: compact ? 1.5 : 2,
        spanGaps: look.style !== "bars",
        paths: draw,
        // No `show` key unless hiding: uPlot takes an explicit undefined as "never", and then
        // a lone point (a feed's first) is not drawn at all.
        points: look.style === "bars" ? { show: false } : { size: compact ? 3 : 4 },
      })),
      ...extra,
    ],
    bands,
  };
}
