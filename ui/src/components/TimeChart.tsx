/** A uPlot time chart: one or more series on a shared time axis, drag-select to zoom. */
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import type { AlignedData, Options } from "uplot";

export interface ChartSeries {
  label: string;
}

const COLOR_VARS = ["--chart-1", "--chart-2", "--chart-3", "--chart-4", "--chart-5", "--chart-6"];

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

export function seriesColor(index: number): string {
  return cssVar(COLOR_VARS[index % COLOR_VARS.length], "#0f7b6c");
}

export function TimeChart({
  data,
  series,
  height = 260,
  legend = true,
  timeZone,
  onZoom,
  yRange,
  testId,
}: {
  data: AlignedData;
  series: ChartSeries[];
  height?: number | "fill";
  legend?: boolean;
  timeZone?: string;
  onZoom?: (fromSec: number, toSec: number) => void;
  yRange?: [number | null, number | null];
  testId?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const zoom = useRef(onZoom);
  zoom.current = onZoom;
  const latest = useRef(data);
  latest.current = data;
  const labels = series.map((s) => s.label).join("\u0000");
  const yKey = yRange ? `${yRange[0]}:${yRange[1]}` : "";

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    let chart: uPlot | null = null;
    const size = () => {
      const width = Math.max(120, el.clientWidth);
      const h =
        height === "fill" ? Math.max(80, el.clientHeight - (legend ? 28 : 0)) : height;
      return { width, height: h };
    };
    const build = () => {
      chart?.destroy();
      const text = cssVar("--muted", "#666");
      const grid = cssVar("--grid", "rgba(0,0,0,.08)");
      const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
      const [yMin, yMax] = yRange ?? [null, null];
      const opts: Options = {
        ...size(),
        legend: { show: legend },
        cursor: { drag: { x: !!zoom.current, y: false, setScale: false } },
        scales: {
          x: { time: true },
          y:
            yMin !== null || yMax !== null
              ? {
                  range: (_u, dataMin, dataMax) => [
                    yMin ?? Math.min(dataMin, yMax ?? dataMin),
                    yMax ?? Math.max(dataMax, yMin ?? dataMax),
                  ],
                }
              : {},
        },
        axes: [axis, { ...axis, size: 56 }],
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            stroke: seriesColor(i),
            width: 2,
            spanGaps: true,
            points: { size: 4 },
          })),
        ],
        hooks: {
          setSelect: [
            (u: uPlot) => {
              if (u.select.width < 4 || !zoom.current) return;
              const from = u.posToVal(u.select.left, "x");
              const to = u.posToVal(u.select.left + u.select.width, "x");
              u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
              zoom.current(from, to);
            },
          ],
        },
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
    const resize = new ResizeObserver(() => chart?.setSize(size()));
    resize.observe(el);
    const onTheme = () => build();
    window.addEventListener("stonechat-theme", onTheme);
    return () => {
      window.removeEventListener("stonechat-theme", onTheme);
      resize.disconnect();
      chart?.destroy();
      plot.current = null;
    };
    // Rebuild when the shape changes; data changes go through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [labels, height, legend, timeZone, yKey]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return (
    <div
      className={height === "fill" ? "chart-fill" : undefined}
      ref={box}
      data-testid={testId}
      style={height === "fill" ? { flex: 1, minHeight: 0 } : undefined}
    />
  );
}
