// Rendering one block kind in jsdom with a stub data source (for test/blockKinds.test.tsx).
import { render } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { vi } from "vitest";
import type { Block, Datum } from "../src/api/types";
import { BlockBody } from "../src/blocks/BlockView";
import type { DataSource, FeedState } from "../src/blocks/source";

export function block(visual_type: string, properties: Record<string, unknown> = {}): Block {
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
    block_feeds: [{ id: "7-1", feed: { id: 1, name: "Lamp", key: "lamp" }, group: { id: 2, name: "Home", key: "home" } }],
  };
}

export function feed(value: string | null, latest: Datum | null = null): FeedState {
  return { key: "lamp", name: "Lamp", unit: null, value, at: "2026-01-02T03:04:05Z", latest };
}

export function datum(id: string, value: string, extra: Partial<Datum> = {}): Datum {
  return { id, value, created_at: "2026-01-02T03:04:05Z", lat: null, lon: null, ele: null, ...extra } as Datum;
}

export function stubSource(overrides: Partial<DataSource> = {}) {
  const publish = vi.fn(async (_key: string, _value: string) => undefined);
  const source: DataSource = {
    chart: vi.fn(async (key: string) => ({
      feed: { id: 1, key, name: key },
      parameters: { start_time: "", end_time: "", resolution: 0, hours: 24, field: "avg", raw: true },
      columns: ["date", "value"],
      data: [["2026-01-02T03:04:05Z", "5"]],
    })) as unknown as DataSource["chart"],
    points: vi.fn(async () => ({ items: [{ id: "1", value: "5", created_at: "2026-01-02T03:04:05Z" }], next: null })),
    data: vi.fn(async () => [] as Datum[]),
    publish,
    timeZone: "UTC",
    ...overrides,
  };
  return { source, publish };
}

export function show(b: Block, feeds: FeedState[], source: DataSource) {
  return render(
    <MemoryRouter>
      <BlockBody block={b} feeds={feeds} source={source} editing={false} />
    </MemoryRouter>,
  );
}
