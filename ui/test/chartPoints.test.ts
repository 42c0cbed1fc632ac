import { describe, expect, it } from "vitest";
import { Aio, PublicApi } from "../src/api/aio";
import { ApiClient } from "../src/api/client";
import { fakeFetch, json } from "./helpers";

const window = { start_time: "2026-05-01T00:00:00.000Z", end_time: "2026-05-02T00:00:00.000Z" };

describe("raw chart points", () => {
  it("signed in: pages /data by its cursor, asking only for id, value and time", async () => {
    const f = fakeFetch(() =>
      json([{ id: "9", value: "3", created_at: "2026-05-01T10:00:00Z" }], 200, {
        Link: '<http://h/x>;rel="next", <http://h/x?before=CUR&limit=1000>',
      }),
    );
    const aio = new Aio("ann", new ApiClient(f.fetch));
    const page = await aio.points("temp", { ...window, limit: 1000, cursor: "PREV" });
    const url = new URL(f.calls[0].url, "http://h");
    expect(url.pathname).toBe("/api/v2/ann/feeds/temp/data");
    expect(url.searchParams.get("before")).toBe("PREV");
    expect(url.searchParams.get("include")).toBe("id,value,created_at");
    expect(url.searchParams.get("start_time")).toBe(window.start_time);
    expect(page.next).toBe("CUR");
  });

  it("public: pages by end time, from the oldest point of a full page", async () => {
    const rows = [
      { id: "2", value: "5", created_at: "2026-05-01T11:00:00Z" },
      { id: "1", value: "4", created_at: "2026-05-01T10:00:00Z" },
    ];
    const f = fakeFetch(() => json(rows));
    const api = new PublicApi("ann", new ApiClient(f.fetch));
    const full = await api.points("temp", { ...window, limit: 2, cursor: "2026-05-01T12:00:00Z" });
    expect(new URL(f.calls[0].url, "http://h").searchParams.get("end_time")).toBe("2026-05-01T12:00:00Z");
    expect(full.next).toBe("2026-05-01T10:00:00Z");
    expect((await api.points("temp", { ...window, limit: 5 })).next).toBeNull();
  });
});
