/** A feed's chart: range buttons, a custom range, drag to zoom, every raw point up to a
 * large bound, else aggregates with their min-max band and a badge saying so. */
import { useState } from "react";
import type { Aio } from "../api/aio";
import type { Feed } from "../api/types";
import { ChartBadge } from "../components/ChartBadge";
import { ErrorBox } from "../components/States";
import { TimeChart } from "../components/TimeChart";
import { windowFromSelection } from "../lib/chartRange";
import type { RangeName, TimeWindow } from "../lib/chartRange";
import { useChartSeries } from "../lib/useChartSeries";
import { ChartRangePicker } from "./ChartRangePicker";

export function FeedChart({
  aio,
  feed,
  timeZone,
  version,
}: {
  aio: Aio;
  feed: Feed;
  timeZone?: string;
  version: number;
}) {
  const [range, setRange] = useState<RangeName>("24h");
  const [custom, setCustom] = useState<TimeWindow | null>(null);
  const chart = useChartSeries({ source: aio, feedKeys: [feed.key], range, custom, version });
  const label = feed.unit_symbol ? `${feed.name} (${feed.unit_symbol})` : feed.name;

  return (
    <section className="card section">
      <h2>
        Chart
        {chart.loading && <span className="spinner" role="status" aria-label="Loading chart" />}
      </h2>
      <ChartRangePicker
        range={range}
        custom={custom}
        timeZone={timeZone}
        onPick={(name, window) => {
          setCustom(window);
          setRange(name);
        }}
      />
      {chart.error && <ErrorBox error={chart.error} onRetry={chart.reload} />}
      <div className="chart-box">
        <TimeChart
          testId="feed-chart"
          data={chart.data}
          series={[{ label, key: feed.key, band: chart.bands[0] }]}
          timeZone={timeZone}
          xWindow={chart.xWindow}
          badge={
            <ChartBadge
              aggregation={chart.aggregation}
              truncated={chart.truncated}
              points={chart.points}
              band={!!chart.bands[0]}
              testId="chart-aggregated-note"
            />
          }
          onZoom={(a, b) => {
            const w = windowFromSelection(a, b);
            if (!w) return;
            setCustom(w);
            setRange("custom");
          }}
        />
        {chart.empty && !chart.error && (
          <div className="chart-empty">
            {chart.points === 0
              ? "No data in this time range."
              : "The values in this range are not numbers, so there is nothing to plot."}
          </div>
        )}
      </div>
      <p className="help">Drag across the chart to zoom in.</p>
    </section>
  );
}
