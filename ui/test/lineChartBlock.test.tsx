// @vitest-environment jsdom
// The line_chart block's chart: time axis over its history window, axis labels, the badge.
import "./matchMedia";
import { cleanup, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { TimeChartProps } from "../src/components/TimeChart";
import { block, feed, show, stubSource } from "./blockHarness";

const drawn: TimeChartProps[] = [];

// The chart's props are what this block decides; uPlot itself is tested in chartOptions.
vi.mock("../src/components/TimeChart", () => ({
  TimeChart: (props: TimeChartProps) => {
    drawn.push(props);
    return <div data-testid="chart">{props.badge}</div>;
  },
}));

afterEach(() => {
  cleanup();
  drawn.length = 0;
});

const last = () => drawn[drawn.length - 1];

describe("line_chart block", () => {
  it("spans the time axis over historyHours up to now, even with a single point", async () => {
    const { source } = stubSource({
      chart: vi.fn(async () => ({
        feed: { id: 1, key: "lamp", name: "Lamp" },
        parameters: { start_time: "", end_time: "", resolution: 0, hours: 6, field: "val_count", raw: false },
        columns: ["date", "value"],
        data: [["2026-01-02T03:00:00Z", "1"]],
      })) as unknown as typeof source.chart,
    });
    const before = Date.now() / 1000;
    show(block("line_chart", { historyHours: "6", xAxisLabel: "Time", yAxisLabel: "°C" }), [feed("5")], source);
    await waitFor(() => expect(last().xWindow).toBeTruthy());
    const [from, to] = last().xWindow!;
    expect(to).toBeGreaterThanOrEqual(Math.floor(before));
    expect(to).toBeLessThanOrEqual(Date.now() / 1000 + 1);
    expect(Math.round((to - from) / 3600)).toBe(6);
    expect(last().yAxisLabel).toBe("°C");
    expect(last().xAxisLabel).toBe("Time");
    expect(source.points).toHaveBeenCalled(); // raw pages, not the chart route's 480
  });

  it("says in its badge that aggregated series are drawn with their min-max band", async () => {
    const { source } = stubSource(); // counts 5 points, pages only 1 of them: aggregated
    show(block("line_chart"), [feed("5")], source);
    await waitFor(() => expect(screen.getByTestId("block-aggregated-7")).toBeTruthy());
    expect(last().series[0].band).toBeDefined();
    expect(screen.getByTestId("block-aggregated-7").title).toContain("shaded band");
  });

  it("draws no axis labels when none are set", async () => {
    const { source } = stubSource();
    show(block("line_chart"), [feed("5")], source);
    await waitFor(() => expect(last().xWindow).toBeTruthy());
    expect(last().yAxisLabel).toBeUndefined();
    expect(last().xAxisLabel).toBeUndefined();
  });
});
