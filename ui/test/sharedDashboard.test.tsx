// @vitest-environment jsdom
// A dashboard shared with the signed-in user shows times in their zone, else the browser's.
import "./matchMedia";
import { cleanup, render, waitFor } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DataSource } from "../src/blocks/source";
import { browserTimeZone } from "../src/lib/timeZone";
import { json } from "./helpers";

const auth = vi.hoisted(() => ({ session: null as unknown }));
const sources: DataSource[] = [];

vi.mock("../src/auth", () => ({ useAuth: () => auth }));
// The grid's drawing is tested elsewhere; here only the source it is given matters.
vi.mock("../src/blocks/DashboardGrid", () => ({
  DashboardGrid: ({ source }: { source: DataSource }) => {
    sources.push(source);
    return null;
  },
}));

const { SharedDashboard } = await import("../src/blocks/SharedDashboard");

const dashboard = {
  id: "1",
  key: "home",
  name: "Home",
  description: null,
  blocks: [{ id: "7", visual_type: "text", name: null, properties: {}, block_feeds: [] }],
  layouts: {},
};

afterEach(() => {
  cleanup();
  sources.length = 0;
  vi.unstubAllGlobals();
});

function open(timeZone: string | null) {
  auth.session = { user: { username: "ann", time_zone: timeZone } };
  vi.stubGlobal("fetch", vi.fn(async () => json(dashboard)));
  render(
    <MemoryRouter>
      <SharedDashboard owner="bob" dashboardKey="home" />
    </MemoryRouter>,
  );
}

describe("shared dashboard", () => {
  it("uses the profile's time zone", async () => {
    open("Asia/Tokyo");
    await waitFor(() => expect(sources.length).toBeGreaterThan(0));
    expect(sources[sources.length - 1].timeZone).toBe("Asia/Tokyo");
  });

  it("uses the browser's zone when the profile has none, not UTC", async () => {
    const zone = browserTimeZone() === "America/Chicago" ? "Europe/Oslo" : "America/Chicago";
    const resolved = Intl.DateTimeFormat.prototype.resolvedOptions;
    vi.spyOn(Intl.DateTimeFormat.prototype, "resolvedOptions").mockImplementation(function (this: Intl.DateTimeFormat) {
      return { ...resolved.call(this), timeZone: zone };
    });
    open(null);
    await waitFor(() => expect(sources.length).toBeGreaterThan(0));
    expect(sources[sources.length - 1].timeZone).toBe(zone);
    vi.restoreAllMocks();
  });
});
