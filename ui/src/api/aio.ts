/** The Adafruit IO REST API v2 calls the UI makes, authenticated by the session cookie. */
import { api, ApiClient } from "./client";
import type {
  ApiLayouts,
  Block,
  BlockProperties,
  ChartResponse,
  Dashboard,
  Datum,
  Feed,
  FeedChanges,
  Group,
  PublicDashboard,
  WebhookReceiver,
} from "./types";

const enc = encodeURIComponent;

export interface Page<T> {
  items: T[];
  total: number | null;
  /** The `before` cursor of the next (older) page, from the Link header. */
  next: string | null;
}

/** A window of raw points, one page at a time (charts read them). */
export interface PointsQuery {
  start_time: string;
  end_time: string;
  limit: number;
  /** The `next` of the previous page. */
  cursor?: string | null;
}

export interface PointsPage {
  /** Newest first, as the /data route answers. */
  items: { id?: string; created_at: string; value: unknown }[];
  /** Where the next (older) page starts; null on the last page. */
  next: string | null;
}

export interface ChartQuery {
  start_time?: string;
  end_time?: string;
  hours?: number;
  resolution?: number;
  field?: string;
  raw?: boolean;
}

/** The `before` cursor of the rel="next" link, if there is one. */
export function nextCursor(link: string | null): string | null {
  if (!link) return null;
  const match = /rel="next",\s*<([^>]+)>/.exec(link);
  if (!match) return null;
  try {
    return new URL(match[1], "http://x").searchParams.get("before");
  } catch {
    return null;
  }
}

export class Aio {
  constructor(
    readonly username: string,
    private readonly client: ApiClient = api,
  ) {}

  private path(rest: string): string {
    return `/api/v2/${enc(this.username)}${rest}`;
  }

  feeds(): Promise<Feed[]> {
    return this.client.get<Feed[]>(this.path("/feeds"));
  }

  feed(key: string): Promise<Feed> {
    return this.client.get<Feed>(this.path(`/feeds/${enc(key)}/details`));
  }

  createFeed(body: FeedChanges): Promise<Feed> {
    return this.client.post<Feed>(this.path("/feeds"), { feed: body });
  }

  updateFeed(key: string, body: FeedChanges): Promise<Feed> {
    return this.client.patch<Feed>(this.path(`/feeds/${enc(key)}`), { feed: body });
  }

  deleteFeed(key: string): Promise<unknown> {
    return this.client.delete(this.path(`/feeds/${enc(key)}`));
  }

  async data(
    key: string,
    query: { limit?: number; before?: string | null; start_time?: string; end_time?: string },
  ): Promise<Page<Datum>> {
    const response = await this.client.request<Datum[]>(this.path(`/feeds/${enc(key)}/data`), {
      query: { ...query, before: query.before ?? undefined },
    });
    const total = response.headers.get("X-Pagination-Total");
    return {
      items: response.data ?? [],
      total: total !== null && total !== "" ? Number(total) : null,
      next: nextCursor(response.headers.get("Link")),
    };
  }

  addData(key: string, value: string, location?: { lat?: number; lon?: number; ele?: number }) {
    return this.client.post<Datum>(this.path(`/feeds/${enc(key)}/data`), { value, ...location });
  }

  deleteDatum(key: string, id: string): Promise<unknown> {
    return this.client.delete(this.path(`/feeds/${enc(key)}/data/${enc(id)}`));
  }

  chart(key: string, query: ChartQuery, signal?: AbortSignal): Promise<ChartResponse> {
    return this.client.get<ChartResponse>(
      this.path(`/feeds/${enc(key)}/data/chart`),
      { ...query, raw: query.raw ? "1" : undefined },
      signal,
    );
  }

  /** One page of a chart's raw points (only their id, time and value), newest first. */
  async points(key: string, query: PointsQuery, signal?: AbortSignal): Promise<PointsPage> {
    const { cursor, ...window } = query;
    const response = await this.client.request<PointsPage["items"]>(
      this.path(`/feeds/${enc(key)}/data`),
      { query: { ...window, before: cursor ?? undefined, include: "id,value,created_at" }, signal },
    );
    return { items: response.data ?? [], next: nextCursor(response.headers.get("Link")) };
  }

  webhooks(key: string): Promise<WebhookReceiver[]> {
    return this.client.get<WebhookReceiver[]>(this.path(`/feeds/${enc(key)}/webhooks`));
  }

  createWebhook(key: string): Promise<WebhookReceiver> {
    return this.client.post<WebhookReceiver>(this.path(`/feeds/${enc(key)}/webhooks`));
  }

  deleteWebhook(key: string, id: number): Promise<unknown> {
    return this.client.delete(this.path(`/feeds/${enc(key)}/webhooks/${id}`));
  }

  groups(): Promise<Group[]> {
    return this.client.get<Group[]>(this.path("/groups"));
  }

  group(key: string): Promise<Group> {
    return this.client.get<Group>(this.path(`/groups/${enc(key)}`));
  }

  createGroup(body: { name: string; description?: string }): Promise<Group> {
    return this.client.post<Group>(this.path("/groups"), { group: body });
  }

  updateGroup(key: string, body: { name?: string; description?: string }): Promise<Group> {
    return this.client.patch<Group>(this.path(`/groups/${enc(key)}`), { group: body });
  }

  deleteGroup(key: string): Promise<unknown> {
    return this.client.delete(this.path(`/groups/${enc(key)}`));
  }

  addToGroup(group: string, feedKey: string): Promise<Group> {
    return this.client.post<Group>(this.path(`/groups/${enc(group)}/add`), { feed_key: feedKey }, {
      feed_key: feedKey,
    });
  }

  removeFromGroup(group: string, feedKey: string): Promise<Group> {
    return this.client.post<Group>(
      this.path(`/groups/${enc(group)}/remove`),
      { feed_key: feedKey },
      { feed_key: feedKey },
    );
  }

  dashboards(): Promise<Dashboard[]> {
    return this.client.get<Dashboard[]>(this.path("/dashboards"));
  }

  dashboard(key: string): Promise<Dashboard> {
    return this.client.get<Dashboard>(this.path(`/dashboards/${enc(key)}`));
  }

  createDashboard(body: Partial<Dashboard>): Promise<Dashboard> {
    return this.client.post<Dashboard>(this.path("/dashboards"), { dashboard: body });
  }

  updateDashboard(key: string, body: Partial<Dashboard>): Promise<Dashboard> {
    return this.client.patch<Dashboard>(this.path(`/dashboards/${enc(key)}`), { dashboard: body });
  }

  deleteDashboard(key: string): Promise<unknown> {
    return this.client.delete(this.path(`/dashboards/${enc(key)}`));
  }

  updateLayouts(key: string, layouts: ApiLayouts): Promise<Dashboard> {
    return this.client.post<Dashboard>(this.path(`/dashboards/${enc(key)}/update_layouts`), {
      layouts,
    });
  }

  createBlock(dashboard: string, body: BlockInput): Promise<Block> {
    return this.client.post<Block>(this.path(`/dashboards/${enc(dashboard)}/blocks`), {
      block: body,
    });
  }

  updateBlock(dashboard: string, id: string, body: Partial<BlockInput>): Promise<Block> {
    return this.client.patch<Block>(this.path(`/dashboards/${enc(dashboard)}/blocks/${enc(id)}`), {
      block: body,
    });
  }

  deleteBlock(dashboard: string, id: string): Promise<unknown> {
    return this.client.delete(this.path(`/dashboards/${enc(dashboard)}/blocks/${enc(id)}`));
  }
}

export interface BlockInput {
  name?: string | null;
  visual_type: string;
  properties: BlockProperties;
  size_x?: number;
  size_y?: number;
  block_feeds: { feed_id: string | number; group_id?: string | number | null }[];
}

/** Read-only access to a public dashboard and its public feeds, signed out. */
export class PublicApi {
  constructor(
    readonly username: string,
    private readonly client: ApiClient = api,
  ) {}

  dashboard(key: string): Promise<PublicDashboard> {
    return this.client.get<PublicDashboard>(
      `/ui/api/public/${enc(this.username)}/dashboards/${enc(key)}`,
    );
  }

  async data(key: string, limit: number): Promise<Datum[]> {
    return this.client.get<Datum[]>(`/ui/api/public/${enc(this.username)}/feeds/${enc(key)}/data`, {
      limit,
    });
  }

  /** One page of a public feed's raw points, newest first; pages by time (the route has no
   * cursor), so the last point of a page comes again first in the next. */
  async points(key: string, query: PointsQuery, signal?: AbortSignal): Promise<PointsPage> {
    const { cursor, ...window } = query;
    const items = await this.client.get<Datum[]>(
      `/ui/api/public/${enc(this.username)}/feeds/${enc(key)}/data`,
      { ...window, end_time: cursor ?? window.end_time },
      signal,
    );
    const full = items.length >= query.limit;
    return { items, next: full ? items[items.length - 1].created_at : null };
  }

  chart(key: string, query: ChartQuery, signal?: AbortSignal): Promise<ChartResponse> {
    return this.client.get<ChartResponse>(
      `/ui/api/public/${enc(this.username)}/feeds/${enc(key)}/chart`,
      { ...query, raw: query.raw ? "1" : undefined },
      signal,
    );
  }
}
