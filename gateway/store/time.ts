// Time helpers. created_at is always Date#toISOString() output ('YYYY-MM-DDTHH:mm:ss.sssZ'), so
// text order is time order and prefixes are hours ('YYYY-MM-DDTHH') and days ('YYYY-MM-DD').

import { InvalidQueryError } from "./errors";

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** 9999-12-31T23:59:59.999Z: the last instant toISOString writes with a 4-digit year. */
export const MAX_TIME_MS = 253_402_300_799_999;

export const isValidTime = (ms: unknown): ms is number =>
  typeof ms === "number" && Number.isFinite(ms) && ms >= 0 && ms <= MAX_TIME_MS;

export function checkTime(field: string, ms: unknown): number {
  if (!isValidTime(ms)) throw new InvalidQueryError(field, "must be epoch milliseconds between 1970 and 9999");
  return Math.floor(ms);
}

export const iso = (ms: number): string => new Date(ms).toISOString();
export const hourKey = (ms: number): string => iso(ms).slice(0, 13);
export const dayKey = (ms: number): string => iso(ms).slice(0, 10);
export const hourStart = (key: string): number => Date.parse(`${key}:00:00.000Z`);

export const floorTo = (ms: number, unit: number): number => Math.floor(ms / unit) * unit;
export const ceilTo = (ms: number, unit: number): number => Math.ceil(ms / unit) * unit;

/** [start, end) of the UTC calendar month containing `ms`. */
export function monthRange(ms: number): [number, number] {
  const d = new Date(ms);
  return [Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)];
}

/**
 * Splits [since, until) into the part made of whole `unit`s (served from a rollup) and the ragged
 * edges (served from raw rows). `whole` is null when no whole unit fits.
 */
export function splitRange(
  since: number,
  until: number,
  unit: number,
): { whole: [number, number] | null; edges: [number, number][] } {
  const start = ceilTo(since, unit);
  const end = floorTo(until, unit);
  if (start >= end) return { whole: null, edges: since < until ? [[since, until]] : [] };
  const edges: [number, number][] = [];
  if (since < start) edges.push([since, start]);
  if (end < until) edges.push([end, until]);
  return { whole: [start, end], edges };
}
