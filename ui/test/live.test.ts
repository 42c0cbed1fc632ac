import { describe, expect, it } from "vitest";
import { backoffDelay, LiveClient, liveUrl, topicOf } from "../src/lib/live";
import type { SocketLike } from "../src/lib/live";

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  closed = false;
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.closed = true;
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({} as CloseEvent);
  }
  receive(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) } as MessageEvent);
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const client = new LiveClient({
    url: () => "ws://test/ui/api/live",
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    setTimer: (fn, ms) => {
      timers.push({ fn, ms });
      return timers.length;
    },
    clearTimer: () => undefined,
    random: () => 0.5,
  });
  return { client, sockets, timers };
}

const datum = (value: string) => ({
  id: value,
  value,
  feed_id: 1,
  feed_key: "temp",
  created_at: "2026-01-01T00:00:00Z",
  lat: null,
  lon: null,
  ele: null,
});

describe("LiveClient", () => {
  it("connects on the first subscription and subscribes every topic on open", () => {
    const { client, sockets } = setup();
    client.subscribe("ann/temp", () => undefined);
    client.subscribe("ann/hum", () => undefined);
    expect(sockets).toHaveLength(1);
    expect(sockets[0].url).toBe("ws://test/ui/api/live");
    sockets[0].open();
    expect(sockets[0].sent).toEqual([{ subscribe: ["ann/temp", "ann/hum"] }]);
    expect(client.status).toBe("open");
  });

  it("counts listeners per topic: one subscribe, unsubscribe after the last", () => {
    const { client, sockets } = setup();
    client.subscribe("ann/x", () => undefined);
    sockets[0].open();
    const a = client.subscribe("ann/temp", () => undefined);
    const b = client.subscribe("Ann/Temp", () => undefined);
    expect(client.listenerCount("ann/temp")).toBe(2);
    expect(sockets[0].sent).toEqual([{ subscribe: ["ann/x"] }, { subscribe: ["ann/temp"] }]);
    a();
    a(); // idempotent
    expect(sockets[0].sent).toHaveLength(2);
    b();
    expect(sockets[0].sent[2]).toEqual({ unsubscribe: ["ann/temp"] });
    expect(client.topics).toEqual(["ann/x"]);
  });

  it("delivers data messages to the listeners of their feed only", () => {
    const { client, sockets } = setup();
    const got: string[] = [];
    client.subscribe("ann/temp", (d) => got.push(`temp:${d.value}`));
    client.subscribe("ann/hum", (d) => got.push(`hum:${d.value}`));
    sockets[0].open();
    sockets[0].receive({ type: "data", feed: "ann/temp", datum: datum("21") });
    sockets[0].receive({ type: "data", feed: "ANN/hum", datum: datum("40") });
    sockets[0].receive({ type: "subscribed", feeds: ["ann/temp"] });
    sockets[0].receive({ type: "data", feed: "bob/temp", datum: datum("1") });
    sockets[0].onmessage?.({ data: "not json" } as MessageEvent);
    sockets[0].receive({ type: "error", error: "not allowed" });
    expect(got).toEqual(["temp:21", "hum:40"]);
    expect(client.lastError).toBe("not allowed");
  });

  it("reconnects with growing delays and resubscribes", () => {
    const { client, sockets, timers } = setup();
    const statuses: string[] = [];
    let reconnects = 0;
    client.onStatus((s, again) => {
      statuses.push(s);
      if (again) reconnects += 1;
    });
    client.subscribe("ann/temp", () => undefined);
    sockets[0].open();
    sockets[0].drop();
    expect(timers.map((t) => t.ms)).toEqual([500]);
    timers[0].fn();
    sockets[1].drop(); // the server is still down
    expect(timers.map((t) => t.ms)).toEqual([500, 1000]);
    timers[1].fn();
    sockets[2].open();
    expect(sockets[2].sent).toEqual([{ subscribe: ["ann/temp"] }]);
    expect(reconnects).toBe(1);
    sockets[2].drop();
    expect(timers[2].ms).toBe(500); // the backoff starts over after a good connection
    expect(statuses).toContain("reconnecting");
  });

  it("stops reconnecting after close (sign-out)", () => {
    const { client, sockets, timers } = setup();
    client.subscribe("ann/temp", () => undefined);
    sockets[0].open();
    client.close();
    expect(sockets[0].closed).toBe(true);
    expect(timers).toHaveLength(0);
    expect(client.topics).toEqual([]);
    expect(client.status).toBe("idle");
  });

  it("does not reconnect when nobody listens", () => {
    const { client, sockets, timers } = setup();
    const off = client.subscribe("ann/temp", () => undefined);
    sockets[0].open();
    off();
    sockets[0].drop();
    expect(timers).toHaveLength(0);
  });
});

describe("helpers", () => {
  it("caps the backoff and adds jitter", () => {
    expect(backoffDelay(0, 500, 15000, () => 0.5)).toBe(500);
    expect(backoffDelay(3, 500, 15000, () => 0.5)).toBe(4000);
    expect(backoffDelay(30, 500, 15000, () => 0.5)).toBe(15000);
    expect(backoffDelay(0, 500, 15000, () => 0)).toBe(400);
    expect(backoffDelay(0, 500, 15000, () => 1)).toBe(600);
  });
  it("builds the same-origin URL and topics", () => {
    expect(liveUrl({ protocol: "https:", host: "io.example:8443" })).toBe("wss://io.example:8443/ui/api/live");
    expect(liveUrl({ protocol: "http:", host: "localhost" })).toBe("ws://localhost/ui/api/live");
    expect(topicOf("Ann", "Grp.Temp")).toBe("ann/grp.temp");
  });
});
