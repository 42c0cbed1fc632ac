// Blocks without a stored place fill the grid's width, row by row, at every breakpoint.
import { describe, expect, it } from "vitest";
import type { Block } from "../src/api/types";
import { BLOCK_KINDS } from "../src/blocks/registry";
import { COLS, firstFreeSpot, fromApiLayouts } from "../src/lib/layouts";

function block(id: string, w = 4, h = 4): Block {
  return { id, name: null, description: null, visual_type: "gauge", properties: {}, column: null, row: null, size_x: w, size_y: h, block_feeds: [] };
}

describe("auto placement", () => {
  it("five 4x4 blocks fill a 16-column row before starting the next", () => {
    const blocks = ["1", "2", "3", "4", "5"].map((id) => block(id));
    const { lg } = fromApiLayouts(undefined, blocks);
    expect(lg.map(({ x, y }) => [x, y])).toEqual([[0, 0], [4, 0], [8, 0], [12, 0], [0, 4]]);
  });

  it("a new block goes into the gap next to the stored ones, not below them", () => {
    const stored = { lg: [{ i: "1", x: 0, y: 0, w: 8, h: 4 }] };
    const { lg } = fromApiLayouts(stored, [block("1"), block("2", 6, 3)]);
    expect(lg.find((i) => i.i === "2")).toMatchObject({ x: 8, y: 0, w: 6, h: 3 });
  });

  it("narrow breakpoints wrap, and a block wider than the grid is narrowed", () => {
    const { xs, sm } = fromApiLayouts(undefined, [block("1", 16, 1), block("2"), block("3")]);
    expect(xs[0]).toMatchObject({ x: 0, y: 0, w: COLS.xs });
    expect(sm.map(({ x, y }) => [x, y])).toEqual([[0, 0], [0, 1], [4, 1]]);
  });

  it("every kind's default size fits the widest grid, and leaves room beside it", () => {
    for (const { meta } of BLOCK_KINDS) {
      const [w, h] = meta.size;
      expect(firstFreeSpot([], w, h, COLS.lg)).toEqual({ x: 0, y: 0 });
      if (meta.type !== "divider") expect(w).toBeLessThanOrEqual(COLS.lg / 2);
    }
  });
});
