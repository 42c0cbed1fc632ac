import type { Retention } from "../lib/retention";
/** Shapes of the JSON the server sends (Adafruit IO REST v2 and /ui/api). */

export interface User {
  username: string;
  email: string;
  time_zone: string;
  is_admin: boolean;
  created_at: string;
}

export interface Session {
  user: User;
  csrf_token: string;
  aio_key?: string;
}

export interface UiConfig {
  signup_enabled: boolean;
  has_users: boolean;
  version: string;
  mqtt_ws_path: string;
  mqtt_port?: number;
  base_url: string;
  /** False when the server has no SMTP server: no password reset by email. */
  email_enabled?: boolean;
  /** Optional: whether the request carried a valid session (saves a 401 probe). */
  signed_in?: boolean;
  /** A tile URL template ({z}/{x}/{y}) when maps show tiles; null: offline maps. */
  map_tiles?: string | null;
  /** The tiles' attribution, shown on every tiled map. */
  map_attribution?: string | null;
}

export interface ShallowGroup {
  id: number;
  key: string;
  name: string;
}

export interface Feed {
  id: number;
  name: string;
  key: string;
  username?: string;
  description: string | null;
  unit_type: string | null;
  unit_symbol: string | null;
  history: boolean;
  visibility: "private" | "public" | string;
  license: string | null;
  last_value: string | null;
  last_value_at: string | null;
  status: string;
  status_notify?: boolean;
  status_timeout?: number;
  created_at: string;
  updated_at: string;
  group: ShallowGroup | null;
  groups: ShallowGroup[];
  feed_webhook_receivers?: { id: number; token: string; created_at: string }[];
  details?: { data?: { first?: Datum | null; last?: Datum | null; count?: number } };
  /** The feed's own retention tiers (days, null forever); the rest follow the defaults. */
  retention?: Retention;
  /** Every tier in force: the feed's own over the server's defaults. */
  retention_effective?: Retention;
}

/** A feed body sent to create or change a feed: ``retention: null`` resets the tiers. */
export type FeedChanges = Omit<Partial<Feed>, "retention"> & { retention?: Retention | null };

export interface Datum {
  id: string;
  value: string;
  feed_id: number;
  feed_key: string;
  created_at: string;
  lat: number | null;
  lon: number | null;
  ele: number | null;
}

export interface Group {
  id: number;
  key: string;
  name: string;
  description: string | null;
  visibility: string;
  feeds: Feed[];
  created_at: string;
}

export interface ChartResponse {
  feed: { id: number; key: string; name: string };
  parameters: {
    start_time: string;
    end_time: string;
    resolution: number;
    hours: number;
    field: string;
    raw: boolean;
    /** Why the buckets are coarser than asked (older data kept only as summaries). */
    note?: string | null;
  };
  columns: string[];
  data: [string, string | number | null][];
}

export interface BlockFeed {
  id: string;
  feed: { id: number; name: string; key: string } | null;
  group: { id: number; name: string; key: string } | null;
}

export type BlockProperties = Record<string, unknown>;

export interface Block {
  id: string;
  key?: string;
  name: string | null;
  description: string | null;
  visual_type: string;
  properties: BlockProperties;
  column: number | null;
  row: number | null;
  size_x: number;
  size_y: number;
  block_feeds: BlockFeed[];
}

export interface ApiLayoutItem {
  i: string;
  x: number;
  y: number;
  w: number;
  h: number;
  z?: number;
}

export type ApiLayouts = Partial<Record<"xl" | "lg" | "md" | "sm" | "xs", ApiLayoutItem[] | null>>;

export interface Dashboard {
  id: number;
  name: string;
  key: string;
  username?: string;
  description: string | null;
  visibility: string;
  show_header: boolean;
  color_mode: string;
  block_borders: boolean;
  blocks: Block[];
  layouts?: ApiLayouts;
  created_at: string;
  updated_at: string;
}

export interface WebhookReceiver {
  id: number;
  token: string;
  url: string;
  raw_url: string;
  notify_url: string;
  created_at: string;
}

export interface PublicDashboard {
  dashboard: Dashboard;
  blocks: Block[];
  feeds: Feed[];
}

/** A point as the live WebSocket sends it. */
export interface LiveDatum {
  id: string;
  value: string;
  feed_id: number;
  feed_key: string;
  created_at: string;
  lat: number | null;
  lon: number | null;
  ele: number | null;
}

/** What can be shared, and how: read, write, or both. */
export type ShareModel = "feed" | "group" | "dashboard";
export type Mode = "r" | "w" | "rw";

/** One entry of an access list (Adafruit IO's Permission, plus `mode`). */
export interface Permission {
  id: number;
  user_id: number;
  scope: "user" | "public" | "secret";
  scope_value: string | null;
  model: ShareModel;
  object_id: number;
  mode: Mode;
  created_at: string;
  updated_at: string;
}

/** Something another user shared with the signed-in one. */
export interface SharedItem {
  id: number;
  model: ShareModel;
  owner: string;
  key: string;
  name: string;
  mode: Mode;
}

/** One scope of a device token: a feed or group of the owner, and a mode. */
export interface TokenScope {
  model: "feed" | "group";
  key: string;
  object_id?: number;
  mode: Mode;
}

export interface Token {
  id: number;
  name: string;
  /** The secret's first characters, to tell tokens apart. */
  hint?: string;
  permissions: TokenScope[];
  expiration: string | null;
  last_used_at: string | null;
  created_at: string;
  updated_at: string;
}

/** The answer to creating a token: the only time the secret is sent. */
export interface CreatedToken extends Token {
  token: string;
}
