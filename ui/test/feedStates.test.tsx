// @vitest-environment jsdom
// The latest point of each feed on a dashboard: from the feed list, live points, own writes.
import "./matchMedia";
import { act, renderHook } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Feed } from "../src/api/types";
import { blockFeedStates, useFeedStates } from "../src/blocks/useFeedStates";
import { block, datum } from "./blockHarness";

const lamp = {
  key: "lamp",
  name: "Lamp",
  unit_symbol: "W",
  last_value: "3",
  last_value_at: "2026-01-02T03:00:00Z",
} as Feed;

describe("dashboard feed states", () => {
  it("start from the feed list, take newer points as the value and older ones only as latest", () => {
    const blocks = [block("text")];
    const feeds = [lamp];
    const { result } = renderHook(() => useFeedStates(blocks, feeds, "ann"));
    expect(result.current.states.lamp).toMatchObject({ name: "Lamp", unit: "W", value: "3", latest: null });
    act(() => result.current.accept("lamp", datum("1", "9", { created_at: "2026-01-02T04:00:00Z" })));
    expect(result.current.states.lamp).toMatchObject({ value: "9", at: "2026-01-02T04:00:00Z" });
    act(() => result.current.accept("lamp", datum("0", "1", { created_at: "2026-01-01T00:00:00Z" })));
    expect(result.current.states.lamp.value).toBe("9");
    expect(result.current.states.lamp.latest?.id).toBe("0");
  });

  it("give each block its feeds, with no value for one not loaded", () => {
    expect(blockFeedStates(block("text"), {})).toEqual([
      { key: "lamp", name: "Lamp", unit: null, value: null, at: null, latest: null },
    ]);
    expect(blockFeedStates({ ...block("divider"), block_feeds: [] }, {})).toEqual([]);
  });
});
