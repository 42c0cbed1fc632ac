/** line_chart: one or more feeds over the last `historyHours`, with Adafruit IO's chart properties. */
import { useEffect } from "react";
import { ChartBadge } from "../../components/ChartBadge";
import { TimeChart } from "../../components/TimeChart";
import { numProp, prop, toNumber, yes } from "../../lib/format";
import { useChartSeries } from "../../lib/useChartSeries";
import type { BlockKind, BlockProps } from "../kind";
import { historyHours } from "../parts/fields";
import { NoFeed } from "../parts/NoFeed";

function LineChartView({ block, feeds, source }: BlockProps) {
  const p = block.properties;
  const hours = Math.max(0.01, numProp(p, "historyHours", 24) || 24);
  const rawDataOnly = yes(p, "rawDataOnly", false);
  const chart = useChartSeries({ source, feedKeys: feeds.map((f) => f.key), range: hours, rawDataOnly });
  const { addPoint } = chart;
  const latest = feeds.map((f) => (f.latest ? `${f.key}:${f.latest.id}` : "")).join(",");
  useEffect(() => {
    for (const f of feeds) if (f.latest) addPoint(f.key, f.latest.created_at, f.latest.value);
    // Only new points matter, not new FeedState objects.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [latest, addPoint]);
  if (!feeds.length) return <NoFeed readOnly={!source.publish} />;
  const scale = prop(p, "yAxisScale") === "log" ? "log" : "linear";
  const badge = (
    <ChartBadge
      aggregation={chart.aggregation}
      truncated={chart.truncated}
      points={chart.points}
      band={chart.bands.some((b) => !!b)}
      testId={`block-aggregated-${block.id}`}
    />
  );
  return (
    <>
      <TimeChart
        data={chart.data}
        series={feeds.map((f, i) => ({
          label: f.unit ? `${f.name} (${f.unit})` : f.name,
          key: f.key,
          band: chart.bands[i],
        }))}
        height="fill"
        timeZone={source.timeZone}
        steppedLine={yes(p, "steppedLine", false)}
        gridLines={yes(p, "gridLines", true)}
        yAxisMin={toNumber(prop(p, "yAxisMin"))}
        yAxisMax={toNumber(prop(p, "yAxisMax"))}
        yAxisScale={scale}
        yAxisLabel={prop(p, "yAxisLabel") || undefined}
        xAxisLabel={prop(p, "xAxisLabel") || undefined}
        xWindow={chart.xWindow}
        feedKeyLegend={yes(p, "feedKeyLegend", false)}
        badge={chart.aggregation || chart.truncated ? badge : undefined}
        testId={`chart-${block.id}`}
      />
      <div className="sr-only" data-testid={`block-value-${block.id}`}>
        {feeds.map((f) => `${f.name}: ${f.value ?? "—"}`).join(" · ")}
      </div>
    </>
  );
}

export const lineChart: BlockKind = {
  meta: {
    type: "line_chart",
    label: "Line chart",
    icon: "📈",
    feeds: "many",
    control: false,
    size: [8, 6],
    about: "Values of one or more feeds over time, with a legend.",
  },
  View: LineChartView,
  fields: [
    historyHours,
    { name: "xAxisLabel", label: "X axis label", kind: "text", default: "" },
    { name: "yAxisLabel", label: "Y axis label", kind: "text", default: "" },
    { name: "yAxisMin", label: "Y minimum", kind: "number", default: "" },
    { name: "yAxisMax", label: "Y maximum", kind: "number", default: "" },
    {
      name: "yAxisScale",
      label: "Y scale",
      kind: "select",
      default: "linear",
      options: [
        { value: "linear", label: "Linear" },
        { value: "log", label: "Logarithmic" },
      ],
    },
    { name: "steppedLine", label: "Stepped line (on/off data)", kind: "yesno", default: "no" },
    { name: "gridLines", label: "Grid lines", kind: "yesno", default: "yes" },
    { name: "rawDataOnly", label: "Raw points only (never aggregate)", kind: "yesno", default: "no" },
    { name: "feedKeyLegend", label: "Legend shows feed keys", kind: "yesno", default: "no" },
  ],
};
