/** Conversion between the API's dashboard `layouts` and react-grid-layout layouts. */
import type { ApiLayoutItem, ApiLayouts, Block } from "../api/types";

export const BREAKPOINTS = ["lg", "md", "sm", "xs"] as const;
export type Breakpoint = (typeof BREAKPOINTS)[number];

export const COLS: Record<Breakpoint, number> = { lg: 16, md: 12, sm: 8, xs: 4 };
export const BREAKPOINT_WIDTHS: Record<Breakpoint, number> = { lg: 1200, md: 900, sm: 600, xs: 0 };

export interface GridItem {
  i: string;
  x: number;
  y: number;
  w: number;
  h: number;
  minW?: number;
  minH?: number;
}

export type GridLayouts = Record<Breakpoint, GridItem[]>;

function int(value: unknown, fallback: number, minimum: number): number {
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(n)) return fallback;
  return Math.max(minimum, Math.round(n));
}

/** Keep an item inside the columns of a breakpoint. */
export function clampItem(item: GridItem, cols: number): GridItem {
  const w = Math.min(Math.max(1, item.w), cols);
  const x = Math.min(Math.max(0, item.x), cols - w);
  return { ...item, w, x, y: Math.max(0, item.y) };
}

function bottom(items: GridItem[]): number {
  return items.reduce((max, item) => Math.max(max, item.y + item.h), 0);
}

function overlaps(a: { x: number; y: number; w: number; h: number }, b: GridItem): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** The top-most, then left-most place where a w×h block fits without overlapping. */
export function firstFreeSpot(items: GridItem[], w: number, h: number, cols: number) {
  const limit = bottom(items);
  for (let y = 0; y <= limit; y++) {
    for (let x = 0; x + w <= cols; x++) {
      const spot = { x, y, w, h };
      if (!items.some((item) => overlaps(spot, item))) return { x, y };
    }
  }
  return { x: 0, y: limit };
}

/**
 * Every breakpoint's layout holding exactly the blocks given: stored positions first;
 * a breakpoint the API does not have is derived from the nearest wider one (or lg);
 * blocks missing from a layout go below the others with the block's own size.
 */
export function fromApiLayouts(api: ApiLayouts | undefined, blocks: Block[]): GridLayouts {
  const ids = new Set(blocks.map((b) => b.id));
  const result = {} as GridLayouts;
  let wider: GridItem[] | null = null;
  const source = api ?? {};
  for (const bp of BREAKPOINTS) {
    const cols = COLS[bp];
    const stored = source[bp] ?? (bp === "lg" ? source.xl : null) ?? null;
    const base: GridItem[] = stored
      ? stored.map((s: ApiLayoutItem) => ({
          i: String(s.i),
          x: int(s.x, 0, 0),
          y: int(s.y, 0, 0),
          w: int(s.w, 4, 1),
          h: int(s.h, 4, 1),
        }))
      : (wider ?? []).map((item) => ({ ...item }));
    const seen = new Set<string>();
    const items: GridItem[] = [];
    for (const item of base) {
      if (!ids.has(item.i) || seen.has(item.i)) continue;
      seen.add(item.i);
      items.push(clampItem(item, cols));
    }
    for (const block of blocks) {
      if (seen.has(block.id)) continue;
      const w = Math.min(int(block.size_x, 4, 1), cols);
      const h = int(block.size_y, 4, 1);
      items.push({ i: block.id, ...firstFreeSpot(items, w, h, cols), w, h });
    }
    result[bp] = items;
    wider = items;
  }
  return result;
}

/** The body of update_layouts: lg, md, sm and xs, each a list of {i, x, y, w, h}. */
export function toApiLayouts(
  grid: Partial<Record<string, readonly Partial<GridItem>[]>>,
  blocks: Block[],
): Record<Breakpoint, ApiLayoutItem[]> {
  const complete = fromApiLayouts(
    Object.fromEntries(
      BREAKPOINTS.filter((bp) => grid[bp]).map((bp) => [
        bp,
        (grid[bp] ?? []).map((item) => ({
          i: String(item.i),
          x: item.x ?? 0,
          y: item.y ?? 0,
          w: item.w ?? 4,
          h: item.h ?? 4,
        })),
      ]),
    ) as ApiLayouts,
    blocks,
  );
  const out = {} as Record<Breakpoint, ApiLayoutItem[]>;
  for (const bp of BREAKPOINTS) {
    out[bp] = complete[bp].map(({ i, x, y, w, h }) => ({ i, x, y, w, h }));
  }
  return out;
}

/** Whether two layouts place the same items at the same places (order ignored). */
export function sameLayouts(a: GridLayouts, b: GridLayouts): boolean {
  for (const bp of BREAKPOINTS) {
    const key = (items: GridItem[]) =>
      items
        .map((t) => `${t.i}:${t.x},${t.y},${t.w},${t.h}`)
        .sort()
        .join("|");
    if (key(a[bp] ?? []) !== key(b[bp] ?? [])) return false;
  }
  return true;
}
