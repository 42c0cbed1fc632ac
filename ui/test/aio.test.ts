import { describe, expect, it } from "vitest";
import { Aio, nextCursor, PublicApi } from "../src/api/aio";
import { ApiClient } from "../src/api/client";
import { fakeFetch, json } from "./helpers";

describe("nextCursor", () => {
  it("reads the before cursor of the next link", () => {
    const link =
      '<http://h/api/v2/u/feeds/t/data?limit=2>;rel="next", <http://h/api/v2/u/feeds/t/data?limit=2&before=abc%3D>';
    expect(nextCursor(link)).toBe("abc=");
    expect(nextCursor("<http://h/api/v2/u/feeds/t/data>")).toBeNull();
    expect(nextCursor(null)).toBeNull();
  });
});

describe("Aio", () => {
  it("pages data with limit/before and reads the pagination headers", async () => {
    const f = fakeFetch(() =>
      json([{ id: "1", value: "3" }], 200, {
        "X-Pagination-Total": "41",
        Link: '<http://h/x>;rel="next", <http://h/x?before=CUR&limit=25>',
      }),
    );
    const aio = new Aio("ann", new ApiClient(f.fetch));
    const page = await aio.data("temp", { limit: 25, before: "PREV" });
    expect(f.calls[0].url).toBe("/api/v2/ann/feeds/temp/data?limit=25&before=PREV");
    expect(page).toEqual({ items: [{ id: "1", value: "3" }], total: 41, next: "CUR" });
  });

  it("saves layouts through update_layouts with every breakpoint", async () => {
    const f = fakeFetch(() => json({ key: "home", layouts: {} }));
    const client = new ApiClient(f.fetch);
    client.setCsrfToken("c");
    const aio = new Aio("ann", client);
    const layouts = { lg: [{ i: "1", x: 0, y: 0, w: 4, h: 4 }], md: [], sm: [], xs: [] };
    await aio.updateLayouts("home", layouts);
    expect(f.calls[0].url).toBe("/api/v2/ann/dashboards/home/update_layouts");
    expect(f.calls[0].init.method).toBe("POST");
    expect(JSON.parse(String(f.calls[0].init.body))).toEqual({ layouts });
  });

  it("posts a value and asks the chart for raw points", async () => {
    const f = fakeFetch(() => json({}));
    const aio = new Aio("a b", new ApiClient(f.fetch));
    await aio.addData("g.t", "12");
    await aio.chart("g.t", { start_time: "S", end_time: "E", raw: true });
    expect(f.calls[0].url).toBe("/api/v2/a%20b/feeds/g.t/data");
    expect(JSON.parse(String(f.calls[0].init.body))).toEqual({ value: "12" });
    expect(f.calls[1].url).toBe("/api/v2/a%20b/feeds/g.t/data/chart?start_time=S&end_time=E&raw=1");
  });

  it("reads public dashboards and feeds from /ui/api/public", async () => {
    const f = fakeFetch(() => json({}));
    const pub = new PublicApi("ann", new ApiClient(f.fetch));
    await pub.dashboard("home");
    await pub.data("temp", 30);
    await pub.chart("temp", { hours: 24 });
    expect(f.calls.map((c) => c.url)).toEqual([
      "/ui/api/public/ann/dashboards/home",
      "/ui/api/public/ann/feeds/temp/data?limit=30",
      "/ui/api/public/ann/feeds/temp/chart?hours=24",
    ]);
  });
});
