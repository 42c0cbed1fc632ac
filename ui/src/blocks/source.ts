import type { ChartQuery, PointsPage, PointsQuery } from "../api/aio";
import type { ChartResponse, Datum } from "../api/types";
import type { NoticeListener } from "../lib/live";

/** The latest known point of a feed on a dashboard. */
export interface FeedState {
  key: string;
  name: string;
  unit: string | null;
  value: string | null;
  at: string | null;
  /** Changes with every new point (live or posted): history blocks append on change. */
  latest: Datum | null;
}

/** How blocks read history and write values (signed in) or only read (public page). */
export interface DataSource {
  chart(key: string, query: ChartQuery, signal?: AbortSignal): Promise<ChartResponse>;
  /** Raw points of a window, one page at a time, newest first: line charts draw every raw
   * point up to a large bound (lib/chartLoad.ts) instead of the chart route's 480. */
  points(key: string, query: PointsQuery, signal?: AbortSignal): Promise<PointsPage>;
  data(key: string, limit: number): Promise<Datum[]>;
  publish: ((key: string, value: string) => Promise<Datum | void>) | null;
  timeZone: string;
  /** The signed-in owner's {user}/errors and {user}/throttle notices (own dashboards only). */
  notices?: (listener: NoticeListener) => () => void;
  /** Where a dashboard_link block's button goes; default the owner's /dashboards/KEY. */
  dashboardHref?: (key: string) => string;
}
