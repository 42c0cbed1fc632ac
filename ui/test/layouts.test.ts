import { describe, expect, it } from "vitest";
import type { Block } from "../src/api/types";
import { BREAKPOINTS, COLS, firstFreeSpot, fromApiLayouts, sameLayouts, toApiLayouts } from "../src/lib/layouts";

function block(id: string, size_x = 4, size_y = 4): Block {
  return {
    id,
    name: null,
    description: null,
    visual_type: "gauge",
    properties: {},
    column: null,
    row: null,
    size_x,
    size_y,
    block_feeds: [],
  };
}

describe("fromApiLayouts", () => {
  it("keeps stored positions and fills every breakpoint", () => {
    const blocks = [block("1"), block("2")];
    const grid = fromApiLayouts(
      { lg: [{ i: "1", x: 2, y: 0, w: 4, h: 3 }, { i: "2", x: 6, y: 0, w: 4, h: 4 }] },
      blocks,
    );
    expect(grid.lg).toEqual([
      { i: "1", x: 2, y: 0, w: 4, h: 3 },
      { i: "2", x: 6, y: 0, w: 4, h: 4 },
    ]);
    // md is derived from lg; xs (4 columns) squeezes the items into its width
    expect(grid.md).toEqual(grid.lg);
    for (const item of grid.xs) expect(item.x + item.w).toBeLessThanOrEqual(COLS.xs);
    expect(Object.keys(grid)).toEqual([...BREAKPOINTS]);
  });

  it("drops unknown and duplicate ids, adds missing blocks in the first free spot", () => {
    const blocks = [block("1"), block("3", 4, 2)];
    const grid = fromApiLayouts(
      {
        lg: [
          { i: "1", x: 0, y: 0, w: 4, h: 4 },
          { i: "1", x: 8, y: 8, w: 4, h: 4 },
          { i: "99", x: 4, y: 0, w: 4, h: 4 },
        ],
      },
      blocks,
    );
    expect(grid.lg).toEqual([
      { i: "1", x: 0, y: 0, w: 4, h: 4 },
      { i: "3", x: 4, y: 0, w: 4, h: 2 },
    ]);
  });

  it("uses the block's size when there is no layout at all, and xl for lg", () => {
    expect(fromApiLayouts(undefined, [block("5", 6, 3)]).lg).toEqual([{ i: "5", x: 0, y: 0, w: 6, h: 3 }]);
    expect(fromApiLayouts({ xl: [{ i: "5", x: 1, y: 2, w: 3, h: 3 }] }, [block("5")]).lg).toEqual([
      { i: "5", x: 1, y: 2, w: 3, h: 3 },
    ]);
  });

  it("clamps bad numbers", () => {
    const grid = fromApiLayouts({ lg: [{ i: "1", x: 40, y: -3, w: 99, h: 0 }] }, [block("1")]);
    expect(grid.lg[0]).toEqual({ i: "1", x: 0, y: 0, w: COLS.lg, h: 1 });
  });
});

describe("toApiLayouts", () => {
  it("sends lg, md, sm and xs with only i, x, y, w, h", () => {
    const blocks = [block("1"), block("2")];
    const rgl = {
      lg: [
        { i: "1", x: 4, y: 0, w: 5, h: 3, moved: false, static: false },
        { i: "2", x: 0, y: 3, w: 4, h: 4, moved: true, static: false },
      ],
      md: [{ i: "1", x: 0, y: 0, w: 6, h: 3 }],
    };
    const out = toApiLayouts(rgl, blocks);
    expect(Object.keys(out)).toEqual(["lg", "md", "sm", "xs"]);
    expect(out.lg).toEqual([
      { i: "1", x: 4, y: 0, w: 5, h: 3 },
      { i: "2", x: 0, y: 3, w: 4, h: 4 },
    ]);
    expect(out.md.map((i) => i.i).sort()).toEqual(["1", "2"]);
    // sm is derived from md, squeezed into its 8 columns
    expect(out.sm.map((i) => i.i).sort()).toEqual(["1", "2"]);
    for (const item of out.sm) expect(item.x + item.w).toBeLessThanOrEqual(COLS.sm);
  });

  it("round-trips through fromApiLayouts", () => {
    const blocks = [block("1"), block("2"), block("3")];
    const grid = fromApiLayouts(undefined, blocks);
    expect(sameLayouts(fromApiLayouts(toApiLayouts(grid, blocks), blocks), grid)).toBe(true);
  });
});

describe("firstFreeSpot", () => {
  it("finds the top-left gap that fits", () => {
    const items = [
      { i: "a", x: 0, y: 0, w: 8, h: 2 },
      { i: "b", x: 12, y: 0, w: 4, h: 2 },
    ];
    expect(firstFreeSpot(items, 4, 2, 16)).toEqual({ x: 8, y: 0 });
    expect(firstFreeSpot(items, 6, 2, 16)).toEqual({ x: 0, y: 2 });
  });
});
