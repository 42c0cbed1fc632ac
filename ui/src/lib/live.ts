/**
 * The live connection: one WebSocket to /ui/api/live shared by every block and page.
 * Keeps a reference count per feed topic ("{username}/{feed_key}"), subscribes on the
 * first listener and unsubscribes after the last one, resubscribes everything after a
 * reconnect, and reconnects with exponential backoff (and jitter) while anyone listens.
 * Notice listeners follow the signed-in user's {user}/errors and {user}/throttle notices
 * ({"notices": true} while at least one listens).
 */
import type { LiveDatum } from "../api/types";

export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
}

export type LiveStatus = "idle" | "connecting" | "open" | "reconnecting";
export type DataListener = (datum: LiveDatum, topic: string) => void;
export interface LiveNotice {
  topic: string;
  message: string;
  at: string;
}
export type NoticeListener = (notice: LiveNotice) => void;
export type StatusListener = (status: LiveStatus, reconnected: boolean) => void;

export interface LiveOptions {
  url?: () => string;
  createSocket?: (url: string) => SocketLike;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  random?: () => number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

const OPEN = 1;

export function liveUrl(loc: { protocol: string; host: string } = window.location): string {
  return `${loc.protocol === "https:" ? "wss" : "ws"}://${loc.host}/ui/api/live`;
}

export function topicOf(username: string, feedKey: string): string {
  return `${username}/${feedKey}`.toLowerCase();
}

/** Delay before reconnect attempt number `attempt` (0-based): base·2^attempt, capped, ±20 %. */
export function backoffDelay(attempt: number, base = 500, max = 15_000, random = Math.random) {
  const raw = Math.min(max, base * 2 ** Math.min(attempt, 16));
  return Math.round(raw * (0.8 + 0.4 * random()));
}

export class LiveClient {
  private readonly listeners = new Map<string, Set<DataListener>>();
  private readonly statusListeners = new Set<StatusListener>();
  private readonly noticeListeners = new Set<NoticeListener>();
  private socket: SocketLike | null = null;
  private timer: unknown = null;
  private attempt = 0;
  private everOpened = false;
  private stopped = false;
  private statusValue: LiveStatus = "idle";
  lastError: string | null = null;
  private readonly opts: Required<LiveOptions>;

  constructor(options: LiveOptions = {}) {
    this.opts = {
      url: options.url ?? (() => liveUrl()),
      createSocket: options.createSocket ?? ((url) => new WebSocket(url) as unknown as SocketLike),
      setTimer: options.setTimer ?? ((fn, ms) => setTimeout(fn, ms)),
      clearTimer: options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>)),
      random: options.random ?? Math.random,
      baseDelayMs: options.baseDelayMs ?? 500,
      maxDelayMs: options.maxDelayMs ?? 15_000,
    };
  }

  get status(): LiveStatus {
    return this.statusValue;
  }

  /** Topics with at least one listener. */
  get topics(): string[] {
    return [...this.listeners.keys()];
  }

  listenerCount(topic: string): number {
    return this.listeners.get(topic.toLowerCase())?.size ?? 0;
  }

  onStatus(listener: StatusListener): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Follow the signed-in user's notices until the returned function is called. */
  onNotice(listener: NoticeListener): () => void {
    const first = this.noticeListeners.size === 0;
    this.noticeListeners.add(listener);
    this.stopped = false;
    if (first) {
      if (this.socket && this.socket.readyState === OPEN) this.send({ notices: true });
      else this.ensureConnected();
    }
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      this.noticeListeners.delete(listener);
      if (this.noticeListeners.size === 0 && this.socket && this.socket.readyState === OPEN) {
        this.send({ notices: false });
      }
    };
  }

  private wanted(): boolean {
    return this.listeners.size > 0 || this.noticeListeners.size > 0;
  }

  subscribe(topic: string, listener: DataListener): () => void {
    const key = topic.toLowerCase();
    let set = this.listeners.get(key);
    const first = !set;
    if (!set) {
      set = new Set();
      this.listeners.set(key, set);
    }
    set.add(listener);
    this.stopped = false;
    if (first) {
      if (this.socket && this.socket.readyState === OPEN) this.send({ subscribe: [key] });
      else this.ensureConnected();
    }
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      const current = this.listeners.get(key);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) {
        this.listeners.delete(key);
        if (this.socket && this.socket.readyState === OPEN) this.send({ unsubscribe: [key] });
      }
    };
  }

  /** Close for good (sign-out); listeners are dropped. */
  close(): void {
    this.stopped = true;
    this.listeners.clear();
    this.noticeListeners.clear();
    if (this.timer !== null) this.opts.clearTimer(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      socket.onerror = null;
      socket.onopen = null;
      try {
        socket.close(1000, "bye");
      } catch {
        /* already closed */
      }
    }
    this.attempt = 0;
    this.everOpened = false;
    this.setStatus("idle", false);
  }

  private send(message: unknown): void {
    try {
      this.socket?.send(JSON.stringify(message));
    } catch {
      /* the close handler reconnects */
    }
  }

  private setStatus(status: LiveStatus, reconnected: boolean): void {
    this.statusValue = status;
    for (const listener of [...this.statusListeners]) listener(status, reconnected);
  }

  private ensureConnected(): void {
    if (this.socket || this.timer !== null || this.stopped) return;
    this.connect();
  }

  private connect(): void {
    this.timer = null;
    if (this.stopped || !this.wanted()) {
      this.setStatus("idle", false);
      return;
    }
    let socket: SocketLike;
    try {
      socket = this.opts.createSocket(this.opts.url());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.setStatus(this.everOpened ? "reconnecting" : "connecting", false);
    socket.onopen = () => {
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.attempt = 0;
      const topics = this.topics;
      if (topics.length) this.send({ subscribe: topics });
      if (this.noticeListeners.size) this.send({ notices: true });
      this.setStatus("open", reconnected);
    };
    socket.onmessage = (ev: MessageEvent) => this.handle(ev.data);
    socket.onerror = () => {
      /* followed by close */
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    if (this.stopped || !this.wanted()) {
      this.setStatus("idle", false);
      return;
    }
    const delay = backoffDelay(
      this.attempt,
      this.opts.baseDelayMs,
      this.opts.maxDelayMs,
      this.opts.random,
    );
    this.attempt += 1;
    this.setStatus("reconnecting", false);
    this.timer = this.opts.setTimer(() => this.connect(), delay);
  }

  private handle(raw: unknown): void {
    if (typeof raw !== "string") return;
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    if (!message || typeof message !== "object") return;
    const m = message as {
      type?: string;
      feed?: string;
      datum?: LiveDatum;
      error?: string;
      topic?: string;
      message?: string;
      at?: string;
    };
    if (m.type === "data" && typeof m.feed === "string" && m.datum) {
      const key = m.feed.toLowerCase();
      const set = this.listeners.get(key);
      if (!set) return;
      for (const listener of [...set]) listener(m.datum, key);
    } else if (m.type === "notice" && typeof m.topic === "string") {
      const notice = { topic: m.topic, message: m.message ?? "", at: m.at ?? "" };
      for (const listener of [...this.noticeListeners]) listener(notice);
    } else if (m.type === "error") {
      this.lastError = m.error ?? "live updates failed";
    }
  }
}

export const live = new LiveClient();
