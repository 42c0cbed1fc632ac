import { describe, expect, it } from "vitest";
import type { Action, ActionRun } from "../src/api/actions";
import { addNotice, isUnlimited, latestRuns, rateShare, UNLIMITED_RATE } from "../src/api/monitor";
import { LiveClient } from "../src/lib/live";
import type { LiveNotice, SocketLike } from "../src/lib/live";

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
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
  const timers: (() => void)[] = [];
  const client = new LiveClient({
    url: () => "ws://test/ui/api/live",
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    setTimer: (fn) => {
      timers.push(fn);
      return timers.length;
    },
    clearTimer: () => undefined,
    random: () => 0.5,
  });
  return { client, sockets, timers };
}

const run = (id: number, action_id: number, started_at: string): ActionRun => ({
  id,
  action_id,
  started_at,
  finished_at: started_at,
  reason: "data",
  trigger_value: "31",
  status: "ok",
  outputs: [],
  error: null,
});

describe("live notices", () => {
  it("asks for notices on open, hands them to listeners, stops after the last", () => {
    const { client, sockets } = setup();
    const got: LiveNotice[] = [];
    const off = client.onNotice((n) => got.push(n));
    expect(sockets).toHaveLength(1);
    sockets[0].open();
    expect(sockets[0].sent).toEqual([{ notices: true }]);
    sockets[0].receive({ type: "notice", topic: "ann/errors", message: "refused", at: "2026-01-01T00:00:00Z" });
    sockets[0].receive({ type: "data", feed: "ann/x", datum: {} });
    expect(got).toEqual([{ topic: "ann/errors", message: "refused", at: "2026-01-01T00:00:00Z" }]);
    off();
    expect(sockets[0].sent[1]).toEqual({ notices: false });
  });

  it("asks again after a reconnect", () => {
    const { client, sockets, timers } = setup();
    client.onNotice(() => undefined);
    sockets[0].open();
    sockets[0].drop();
    timers[0]();
    sockets[1].open();
    expect(sockets[1].sent).toEqual([{ notices: true }]);
  });
});

describe("monitor helpers", () => {
  it("merges the runs of every action, newest first, bounded", () => {
    const actions = [{ id: 1, name: "A" }, { id: 2, name: "B" }] as Action[];
    const merged = latestRuns(
      actions,
      [[run(1, 1, "2026-01-01T00:00:01Z"), run(3, 1, "2026-01-01T00:00:03Z")], [run(2, 2, "2026-01-01T00:00:02Z")]],
      2,
    );
    expect(merged.map((r) => [r.id, r.action_name])).toEqual([
      [3, "A"],
      [2, "B"],
    ]);
  });

  it("rate share and notice list bounds", () => {
    expect(rateShare({ data_rate_limit: 0, active_data_rate: 9 })).toBe(0);
    // The server tells a user without a limit UNLIMITED_RATE (never 0).
    expect(rateShare({ data_rate_limit: UNLIMITED_RATE, active_data_rate: 9 })).toBe(0);
    expect(isUnlimited({ data_rate_limit: UNLIMITED_RATE })).toBe(true);
    expect(isUnlimited({ data_rate_limit: 30 })).toBe(false);
    expect(rateShare({ data_rate_limit: 10, active_data_rate: 5 })).toBe(0.5);
    expect(rateShare({ data_rate_limit: 10, active_data_rate: 50 })).toBe(1);
    expect(addNotice([2, 3], 1, 2)).toEqual([1, 2]);
  });
});
