/**
 * The DataSource of each dashboard page: one's own (reads, writes, notices), another user's
 * shared with one (reads), a public one (reads, signed out). Each hook keeps its object while
 * its inputs stay the same: a new object would make every chart block load again.
 */
import { useMemo } from "react";
import type { Aio, PublicApi } from "../api/aio";
import { live } from "../lib/live";
import type { DataSource } from "./source";

const enc = encodeURIComponent;

/** The signed-in user's own dashboard. */
export function ownSource(aio: Aio, timeZone: string): DataSource {
  return {
    chart: (k, q, signal) => aio.chart(k, q, signal),
    points: (k, q, signal) => aio.points(k, q, signal),
    data: async (k, limit) => (await aio.data(k, { limit })).items,
    publish: (k, value) => aio.addData(k, value),
    timeZone,
    notices: (listener) => live.onNotice(listener),
  };
}

/** A dashboard shared with the signed-in user by its owner, `aio.username`. */
export function sharedSource(aio: Aio, timeZone: string): DataSource {
  return {
    chart: (k, q, signal) => aio.chart(k, q, signal),
    points: (k, q, signal) => aio.points(k, q, signal),
    data: async (k, limit) => (await aio.data(k, { limit })).items,
    publish: null,
    timeZone,
    dashboardHref: (key) => `/dashboards/${enc(key)}?owner=${enc(aio.username)}`,
  };
}

/** A public dashboard, read without signing in. */
export function publicSource(pub: PublicApi, timeZone: string): DataSource {
  return {
    chart: (k, q, signal) => pub.chart(k, q, signal),
    points: (k, q, signal) => pub.points(k, q, signal),
    data: (k, limit) => pub.data(k, limit),
    publish: null,
    timeZone,
    dashboardHref: (key) => `/public/${enc(pub.username)}/dashboards/${enc(key)}`,
  };
}

export function useOwnSource(aio: Aio, timeZone: string): DataSource {
  return useMemo(() => ownSource(aio, timeZone), [aio, timeZone]);
}

export function useSharedSource(aio: Aio, timeZone: string): DataSource {
  return useMemo(() => sharedSource(aio, timeZone), [aio, timeZone]);
}

export function usePublicSource(pub: PublicApi, timeZone: string): DataSource {
  return useMemo(() => publicSource(pub, timeZone), [pub, timeZone]);
}
