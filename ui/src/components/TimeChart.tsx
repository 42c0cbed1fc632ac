/** A uPlot time chart: one or more series on a shared time axis, drag-select to zoom, a
 * legend above the plot, axes sized for the chart (see lib/chartOptions.ts). */
import { useEffect, useRef, useState } from "react";
import type { ReactNode } from "react";
import uPlot from "uplot";
import type { AlignedData } from "uplot";
import { chartOptions, isCompact } from "../lib/chartOptions";
import type { ChartLook, ChartSeries } from "../lib/chartOptions";
import { formatTime } from "../lib/format";
import { ChartLegend } from "./ChartLegend";
import type { LegendCursor } from "./ChartLegend";
import "./chart.css";

export type { ChartLook, ChartSeries, SeriesBand } from "../lib/chartOptions";

const COLOR_VARS = ["--chart-1", "--chart-2", "--chart-3", "--chart-4", "--chart-5", "--chart-6"];

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

export function seriesColor(index: number): string {
  return cssVar(COLOR_VARS[index % COLOR_VARS.length], "#0f7b6c");
}

export interface TimeChartProps extends ChartLook {
  data: AlignedData;
  series: ChartSeries[];
  /** Pixels of plot, or "fill": as tall as the parent leaves (dashboard blocks). */
  height?: number | "fill";
  legend?: boolean;
  /** IANA zone of the time axis; the browser's when not given. */
  timeZone?: string;
  onZoom?: (fromSec: number, toSec: number) => void;
  /** The same as yAxisMin / yAxisMax (older name). */
  yRange?: [number | null, number | null];
  /** The legend names series by feed key instead of name. */
  feedKeyLegend?: boolean;
  /** Seconds: the time axis spans at least this window (a dashboard chart's history), else
   * only the data's times. */
  xWindow?: [number, number] | null;
  /** Shown at the end of the legend row, e.g. an "Aggregated" badge. */
  badge?: ReactNode;
  testId?: string;
}

export function TimeChart(props: TimeChartProps) {
  const { data, series, height = 260, legend = true, timeZone, onZoom, yRange, testId } = props;
  const look: ChartLook = {
    steppedLine: props.steppedLine,
    style: props.style,
    gridLines: props.gridLines,
    yAxisMin: props.yAxisMin ?? yRange?.[0] ?? null,
    yAxisMax: props.yAxisMax ?? yRange?.[1] ?? null,
    yAxisScale: props.yAxisScale,
    yAxisLabel: props.yAxisLabel,
    xAxisLabel: props.xAxisLabel,
  };
  const plotBox = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const zoom = useRef(onZoom);
  zoom.current = onZoom;
  const latest = useRef(data);
  latest.current = data;
  const span = useRef(props.xWindow ?? null);
  span.current = props.xWindow ?? null;
  const windowed = props.xWindow !== undefined;
  const [cursor, setCursor] = useState<LegendCursor | null>(null);
  const shape = JSON.stringify([series, look, height, timeZone, windowed]);

  useEffect(() => {
    const el = plotBox.current;
    if (!el) return;
    let chart: uPlot | null = null;
    let compact = false;
    const size = () => ({
      width: Math.max(120, el.clientWidth),
      height: height === "fill" ? Math.max(60, el.clientHeight) : height,
    });
    const build = () => {
      chart?.destroy();
      const { width, height: h } = size();
      compact = isCompact(width, h);
      const colors = { text: cssVar("--muted", "#666"), grid: cssVar("--grid", "rgba(0,0,0,.08)"), series: seriesColor };
      const xWindow = windowed ? () => span.current : undefined;
      const opts = chartOptions({ width, height: h, series, look, colors, zoomable: !!zoom.current, xWindow });
      opts.hooks = {
        setSelect: [
          (u: uPlot) => {
            if (u.select.width < 4 || !zoom.current) return;
            const from = u.posToVal(u.select.left, "x");
            const to = u.posToVal(u.select.left + u.select.width, "x");
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            zoom.current(from, to);
          },
        ],
        setCursor: [
          (u: uPlot) => {
            const idx = u.cursor.idx;
            if (idx === null || idx === undefined) return setCursor(null);
            const at = u.data[0][idx];
            setCursor({
              time: formatTime(new Date(at * 1000).toISOString(), timeZone),
              values: series.map((_, i) => u.data[i + 1]?.[idx]),
            });
          },
        ],
      };
      if (timeZone) {
        opts.tzDate = (ts: number) => {
          try {
            return uPlot.tzDate(new Date(ts * 1e3), timeZone);
          } catch {
            return new Date(ts * 1e3);
          }
        };
      }
      chart = new uPlot(opts, latest.current, el);
      plot.current = chart;
    };
    build();
    const resize = new ResizeObserver(() => {
      const s = size();
      if (isCompact(s.width, s.height) !== compact) build();
      else chart?.setSize(s);
    });
    resize.observe(el);
    const onTheme = () => build();
    window.addEventListener("stonechat-theme", onTheme);
    return () => {
      window.removeEventListener("stonechat-theme", onTheme);
      resize.disconnect();
      chart?.destroy();
      plot.current = null;
    };
    // Rebuild when the shape changes (`shape`); data changes go through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape]);

  // New data, or a new window: scales are ranged again.
  const [from, to] = props.xWindow ?? [null, null];
  useEffect(() => {
    plot.current?.setData(data);
  }, [data, from, to]);

  const fill = height === "fill";
  return (
    <div className={fill ? "tchart tchart-fill" : "tchart"} data-testid={testId}>
      {legend && (
        <ChartLegend
          series={series}
          colors={series.map((_, i) => seriesColor(i))}
          feedKeyLegend={props.feedKeyLegend}
          cursor={cursor}
          badge={props.badge}
        />
      )}
      {!legend && props.badge}
      <div
        className="tchart-plot"
        ref={plotBox}
        role="img"
        aria-label={`Chart of ${series.map((s) => s.label).join(", ")}`}
      />
    </div>
  );
}
