// @vitest-environment jsdom
// Every entry of the block registry: it shows its value, and its controls publish the right one.
import "./matchMedia";
import { act, cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BLOCK_KINDS, defaultProperties, kindOf } from "../src/blocks/registry";
import type { NoticeListener } from "../src/lib/live";
import { block, datum, feed, show, stubSource } from "./blockHarness";

// jsdom draws nothing: a 2D context whose every method does nothing lets uPlot run.
HTMLCanvasElement.prototype.getContext = function () {
  return new Proxy({}, { get: (_t, name) => (name === "measureText" ? () => ({ width: 10 }) : () => undefined) });
} as unknown as HTMLCanvasElement["getContext"];
(globalThis as { Path2D?: unknown }).Path2D ??= class {
  moveTo() {}
  lineTo() {}
  rect() {}
  arc() {}
  bezierCurveTo() {}
  closePath() {}
  addPath() {}
};
globalThis.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
} as unknown as typeof ResizeObserver;

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const value = () => screen.getByTestId("block-value-7");

const AIO_TYPES = [
  "toggle_button", "slider", "momentary_button", "gauge", "line_gauge", "line_chart", "text",
  "multiline_text", "rich_text", "color_picker", "map", "stream", "image", "indicator", "icon",
  "number_pad", "selector", "dashboard_link", "battery", "remote_control", "divider",
];

describe("the registry", () => {
  it("has the 21 Adafruit IO block types, once each, each with a default size", () => {
    expect(BLOCK_KINDS.map((k) => k.meta.type).sort()).toEqual([...AIO_TYPES].sort());
    for (const k of BLOCK_KINDS) {
      expect(k.meta.size[0]).toBeGreaterThanOrEqual(2);
      expect(k.meta.size[0]).toBeLessThanOrEqual(16);
      expect(k.meta.size[1]).toBeGreaterThanOrEqual(1);
    }
  });
});

describe("block kinds", () => {
  it("toggle_button shows its label and sends onValue/offValue, not the labels", async () => {
    const { source, publish } = stubSource();
    const props = { onText: "Lamp on", offText: "Lamp off", onValue: "1", offValue: "0" };
    show(block("toggle_button", props), [feed("0")], source);
    expect(screen.getByTestId("toggle-7").getAttribute("aria-checked")).toBe("false");
    expect(screen.getByTestId("block-state-7").textContent).toBe("Lamp off");
    expect(value().textContent).toBe("0");
    await act(async () => fireEvent.click(screen.getByTestId("toggle-7")));
    expect(publish).toHaveBeenCalledWith("lamp", "1");
  });

  it("toggle_button without values sends its labels", async () => {
    const { source, publish } = stubSource();
    show(block("toggle_button", { onText: "OPEN", offText: "SHUT" }), [feed("OPEN")], source);
    await act(async () => fireEvent.click(screen.getByTestId("toggle-7")));
    expect(publish).toHaveBeenCalledWith("lamp", "SHUT");
  });

  it("slider shows the value and sends the number a moment after a move", async () => {
    vi.useFakeTimers();
    const { source, publish } = stubSource();
    show(block("slider", { min: "0", max: "10", step: "1" }), [feed("3")], source);
    expect(value().textContent).toBe("3");
    fireEvent.change(screen.getByTestId("slider-7"), { target: { value: "7" } });
    await act(async () => vi.advanceTimersByTime(300));
    expect(publish).toHaveBeenCalledWith("lamp", "7");
  });

  it("momentary_button sends value on press and release on release", async () => {
    const { source, publish } = stubSource();
    show(block("momentary_button", { text: "GO", value: "GO", release: "STOP" }), [feed("x")], source);
    expect(value().textContent).toBe("x");
    const button = screen.getByTestId("button-7");
    await act(async () => {
      fireEvent.pointerDown(button);
      fireEvent.pointerUp(button);
    });
    expect(publish.mock.calls).toEqual([["lamp", "GO"], ["lamp", "STOP"]]);
  });

  it("gauge shows decimalPlaces and marks a value past maxWarning", () => {
    const { source } = stubSource();
    show(block("gauge", { decimalPlaces: "1", maxWarning: "20", showIcon: "true" }), [feed("21.456")], source);
    expect(value().textContent).toBe("21.5");
    expect(screen.getByTestId("gauge-7").dataset.warning).toBe("high");
    expect(screen.getByRole("img", { name: /above the warning level/ })).toBeTruthy();
  });

  it("line_gauge is a horizontal bar filled to the value", () => {
    const { source } = stubSource();
    show(block("line_gauge", { minValue: "0", maxValue: "200", minWarning: "10" }), [feed("50")], source);
    expect(value().textContent).toBe("50");
    const bar = screen.getByTestId("line-gauge-7");
    expect(bar.getAttribute("role")).toBe("meter");
    expect((bar.querySelector(".line-gauge-fill") as HTMLElement).style.width).toBe("25%");
  });

  it("line_chart loads each feed's series and names the latest values", async () => {
    const { source } = stubSource();
    show(block("line_chart", { historyHours: "6", steppedLine: "true" }), [feed("5")], source);
    expect(value().textContent).toBe("Lamp: 5");
    await waitFor(() => expect(source.chart).toHaveBeenCalled());
    const [key, query] = (source.chart as ReturnType<typeof vi.fn>).mock.calls[0];
    expect(key).toBe("lamp");
    const hours = (Date.parse(query.end_time) - Date.parse(query.start_time)) / 3_600_000;
    expect(Math.round(hours)).toBe(6);
  });

  it("text shows the value and sends what is typed; static shows its own text", async () => {
    const { source, publish } = stubSource();
    show(block("text", { decimalPlaces: "2" }), [feed("3.14159")], source);
    expect(value().textContent).toBe("3.14");
    fireEvent.change(screen.getByTestId("text-input-7"), { target: { value: "hello" } });
    await act(async () => fireEvent.click(screen.getByTestId("text-send-7")));
    expect(publish).toHaveBeenCalledWith("lamp", "hello");
    cleanup();
    show(block("text", { static: "true", value: "Kitchen" }), [feed("9")], source);
    expect(value().textContent).toBe("Kitchen");
  });

  it("multiline_text keeps the line breaks", () => {
    const { source } = stubSource();
    show(block("multiline_text", { preformatted: "yes" }), [feed("a\nb")], source);
    expect(value().textContent).toBe("a\nb");
    expect(value().className).toContain("multiline-mono");
  });

  it("rich_text renders its own Markdown, sanitised, not the feed value", () => {
    const { source } = stubSource();
    const text = "# Hello\n**bold** <script>alert(1)</script><img src=x onerror=alert(1)>";
    show(block("rich_text", { text }), [feed("feed value")], source);
    expect(value().querySelector("h1")?.textContent).toBe("Hello");
    expect(value().querySelector("strong")?.textContent).toBe("bold");
    expect(value().innerHTML).not.toContain("script");
    expect(value().innerHTML).not.toContain("onerror");
    expect(value().textContent).not.toContain("feed value");
  });

  it("color_picker shows the colour and sends the picked one", async () => {
    vi.useFakeTimers();
    const { source, publish } = stubSource();
    show(block("color_picker"), [feed("#ff0000")], source);
    expect(value().textContent).toBe("#ff0000");
    fireEvent.change(screen.getByTestId("color-7"), { target: { value: "#00ff00" } });
    await act(async () => vi.advanceTimersByTime(400));
    expect(publish).toHaveBeenCalledWith("lamp", "#00ff00");
  });

  it("map shows the latest position and, with showNumbers, the value", async () => {
    const { source } = stubSource({
      data: vi.fn(async () => [datum("1", "12", { lat: 52.5, lon: 13.4, created_at: new Date().toISOString() })]),
    });
    show(block("map", { showNumbers: "true" }), [feed("12")], source);
    await waitFor(() => expect(value().textContent).toBe("12 · 52.5, 13.4"));
  });

  it("stream lists values with feed and group names, and notices with errors on", async () => {
    let notify: NoticeListener | null = null;
    const { source } = stubSource({
      data: vi.fn(async () => [datum("1", "first")]),
      notices: (listener) => {
        notify = listener;
        return () => undefined;
      },
    });
    show(block("stream", { errors: "true", showGroupName: "yes" }), [feed("first")], source);
    await waitFor(() => expect(value().textContent).toContain("first"));
    expect(value().textContent).toContain("Home /");
    expect(value().textContent).toContain("Lamp");
    await act(async () => notify!({ topic: "ann/throttle", message: "slow down", at: "2026-01-02T03:05:00Z" }));
    expect(value().querySelector("[data-notice=throttle]")?.textContent).toContain("slow down");
  });

  it("stream's scrolling list is reachable by keyboard and named", () => {
    const { source } = stubSource();
    show(block("stream"), [feed("first")], source);
    expect(value().tabIndex).toBe(0);
    expect(value().getAttribute("aria-label")).toBe("Stream of Lamp");
    cleanup();
    show({ ...block("stream"), name: "Door log" }, [feed("first")], source);
    expect(value().getAttribute("aria-label")).toBe("Door log");
  });

  it("image shows a URL value as an image", () => {
    const { source } = stubSource();
    show(block("image"), [feed("https://example.com/cat.png")], source);
    expect(value().getAttribute("src")).toBe("https://example.com/cat.png");
  });

  it("indicator lights by Adafruit IO conditions", () => {
    const { source } = stubSource();
    show(block("indicator", { conditions: [{ operator: ">", value: "50" }] }), [feed("60")], source);
    expect(screen.getByTestId("indicator-7").dataset.on).toBe("true");
    expect(value().textContent).toBe("60");
    cleanup();
    show(block("indicator", { conditions: "> 50" }), [feed("40")], source);
    expect(screen.getByTestId("indicator-7").dataset.on).toBe("false");
  });

  it("icon picks the low icon and colour for a low value", () => {
    const { source } = stubSource();
    const props = { icon: "sun", lowIcon: "snow", lowConditions: "< 5", lowColor: "#0000ff" };
    show(block("icon", props), [feed("2")], source);
    expect(screen.getByTestId("icon-7").dataset.level).toBe("low");
    expect(screen.getByRole("img").textContent).toBe("❄");
    expect(value().textContent).toBe("2");
  });

  it("number_pad sends the number typed on its keys", async () => {
    const { source, publish } = stubSource();
    show(block("number_pad"), [feed("4")], source);
    expect(value().textContent).toBe("4");
    fireEvent.click(screen.getByTestId("numpad-key-7-4"));
    fireEvent.click(screen.getByTestId("numpad-key-7-2"));
    await act(async () => fireEvent.click(screen.getByTestId("numpad-send-7")));
    expect(publish).toHaveBeenCalledWith("lamp", "42");
  });

  it("selector shows the option's text and sends the chosen value", async () => {
    const { source, publish } = stubSource();
    const options = [{ text: "Low", value: "1" }, { text: "High", value: "3" }];
    show(block("selector", { options }), [feed("1")], source);
    expect(value().textContent).toBe("Low");
    await act(async () => fireEvent.change(screen.getByTestId("selector-7"), { target: { value: "3" } }));
    expect(publish).toHaveBeenCalledWith("lamp", "3");
  });

  it("dashboard_link links to each dashboard key", () => {
    const { source } = stubSource({ dashboardHref: (k) => `/public/ann/dashboards/${k}` });
    show(block("dashboard_link", { dashboards: "garden, Kitchen=kitchen" }), [], source);
    expect(screen.getByTestId("dashboard-link-7-garden").getAttribute("href")).toBe("/public/ann/dashboards/garden");
    expect(screen.getByTestId("dashboard-link-7-kitchen").textContent).toContain("Kitchen");
  });

  it("battery shows the charge between minValue and maxValue", () => {
    const { source } = stubSource();
    show(block("battery", { minValue: "3.0", maxValue: "4.2" }), [feed("3.6")], source);
    expect(value().textContent).toBe("3.6");
    expect(screen.getByTestId("battery-7").dataset.level).toBe("50");
  });

  it("remote_control sends the code of the button pressed", async () => {
    const { source, publish } = stubSource();
    show(block("remote_control", { buttons: [{ text: "Play", value: "0x10" }] }), [feed("0x00")], source);
    expect(value().textContent).toBe("0x00");
    await act(async () => fireEvent.click(screen.getByTestId("remote-7-0x10")));
    expect(publish).toHaveBeenCalledWith("lamp", "0x10");
  });

  it("divider is a rule", () => {
    const { source } = stubSource();
    show(block("divider"), [], source);
    expect(screen.getByTestId("divider-7").tagName).toBe("HR");
  });

  it("every kind renders with its defaults, and read-only without controls that work", () => {
    for (const k of BLOCK_KINDS) {
      const { source } = stubSource({ publish: null });
      const feeds = k.meta.feeds === 0 ? [] : [feed("1")];
      const { container, unmount } = show(block(k.meta.type, defaultProperties(k.meta.type)), feeds, source);
      for (const button of container.querySelectorAll("button, input, select")) {
        expect((button as HTMLButtonElement).disabled, `${k.meta.type} control enabled read-only`).toBe(true);
      }
      unmount();
    }
    expect(kindOf("nonsense")).toBeUndefined();
  });
});
