// @vitest-environment jsdom
import "./matchMedia";
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Block } from "../src/api/types";
import { BlockBody } from "../src/blocks/BlockView";
import type { DataSource, FeedState } from "../src/blocks/source";
import { BLOCK_TYPES, defaultProperties } from "../src/blocks/types";

function block(visual_type: string, properties: Record<string, unknown> = {}): Block {
  return {
    id: "7",
    name: null,
    description: null,
    visual_type,
    properties,
    column: null,
    row: null,
    size_x: 4,
    size_y: 4,
    block_feeds: [{ id: "7-1", feed: { id: 1, name: "Lamp", key: "lamp" }, group: null }],
  };
}

function feed(value: string | null): FeedState {
  return { key: "lamp", name: "Lamp", unit: null, value, at: null, latest: null };
}

function source(publish = vi.fn(async () => undefined)): DataSource {
  return {
    chart: vi.fn(),
    data: vi.fn(async () => []),
    publish,
    timeZone: "UTC",
  } as unknown as DataSource;
}

afterEach(cleanup);

describe("blocks", () => {
  it("a toggle shows its state and sends the other value", async () => {
    const publish = vi.fn(async () => undefined);
    render(<BlockBody block={block("toggle_button", { onText: "1", offText: "0" })} feeds={[feed("0")]} source={source(publish)} editing={false} />);
    const sw = screen.getByTestId("toggle-7");
    expect(sw.getAttribute("aria-checked")).toBe("false");
    expect(screen.getByTestId("block-value-7").textContent).toBe("0");
    await act(async () => fireEvent.click(sw));
    expect(publish).toHaveBeenCalledWith("lamp", "1");
  });

  it("a momentary button sends value on press and release on release", async () => {
    const publish = vi.fn(async () => undefined);
    render(<BlockBody block={block("momentary_button", { value: "GO", release: "STOP" })} feeds={[feed(null)]} source={source(publish)} editing={false} />);
    const button = screen.getByTestId("button-7");
    await act(async () => {
      fireEvent.pointerDown(button);
      fireEvent.pointerUp(button);
    });
    expect(publish.mock.calls).toEqual([
      ["lamp", "GO"],
      ["lamp", "STOP"],
    ]);
  });

  it("controls are disabled on a read-only (public) dashboard", () => {
    const readOnly = { ...source(), publish: null };
    render(<BlockBody block={block("slider")} feeds={[feed("30")]} source={readOnly} editing={false} />);
    expect((screen.getByTestId("slider-7") as HTMLInputElement).disabled).toBe(true);
    expect(screen.getByTestId("block-value-7").textContent).toBe("30");
  });

  it("a gauge shows the value with its decimal places", () => {
    render(<BlockBody block={block("gauge", { decimalPlaces: "1" })} feeds={[feed("21.456")]} source={source()} editing={false} />);
    expect(screen.getByTestId("block-value-7").textContent).toBe("21.5");
  });

  it("every offered type renders without throwing", () => {
    for (const t of BLOCK_TYPES) {
      if (t.type === "line_chart") continue; // uPlot needs a real canvas
      const { unmount } = render(
        <BlockBody block={block(t.type, defaultProperties(t.type))} feeds={t.feeds === 0 ? [] : [feed("1")]} source={source()} editing={false} />,
      );
      unmount();
    }
  });
});
