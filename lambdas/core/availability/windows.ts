/** A half-open time interval [startMs, endMs) in milliseconds since the Unix epoch. */
export interface Interval {
  readonly startMs: number;
  readonly endMs: number;
}

/** One minute, hour and day in milliseconds. */
export const MINUTE_MS = 60_000;
/** One hour in milliseconds. */
export const HOUR_MS = 60 * MINUTE_MS;
/** One day in milliseconds. */
export const DAY_MS = 24 * HOUR_MS;

/** The reporting windows the issue asks for: availability, MTBF, MTTR, MTTD and incident count. */
export const REPORT_WINDOWS = ['1h', '1d', '7d', '30d'] as const;
/** The burn-rate windows of the SRE workbook's multiwindow, multi-burn-rate alerts (plus 3 d for tickets). */
export const BURN_WINDOWS = ['5m', '30m', '1h', '6h', '3d'] as const;

/** A window name such as `5m`, `6h` or `30d`. */
export type WindowName = string;

const DURATION = /^([1-9][0-9]*)(m|h|d)$/;
const UNIT_MS = { m: MINUTE_MS, h: HOUR_MS, d: DAY_MS } as const;

/**
 * Parses a window length such as `5m`, `6h`, `30d` into milliseconds. Throws with the value
 * received when it is not a positive whole number of minutes, hours or days.
 */
export function parseWindow(text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match)
    throw new Error(`invalid window "${text}": expected a positive whole number of m, h or d, e.g. 30d`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** The window of length `lengthMs` that ends at `endMs` (usually "now"). */
export function windowEndingAt(endMs: number, lengthMs: number): Interval {
  return { startMs: endMs - lengthMs, endMs };
}

/** Length of an interval, never negative. */
export function lengthOf(interval: Interval): number {
  return Math.max(0, interval.endMs - interval.startMs);
}

/** Clips an interval to a window; returns `undefined` when they share no positive length. */
export function clip(interval: Interval, window: Interval): Interval | undefined {
  const startMs = Math.max(interval.startMs, window.startMs);
  const endMs = Math.min(interval.endMs, window.endMs);
  return endMs > startMs ? { startMs, endMs } : undefined;
}

/**
 * Merges overlapping or touching intervals into disjoint ones, sorted by start. Empty intervals
 * are dropped. Touching intervals merge because an outage that ends the instant another begins is
 * one outage to a user.
 */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.endMs > i.startMs).sort((a, b) => a.startMs - b.startMs);
  const merged: Interval[] = [];
  for (const next of sorted) {
    const last = merged[merged.length - 1];
    if (last && next.startMs <= last.endMs) {
      merged[merged.length - 1] = { startMs: last.startMs, endMs: Math.max(last.endMs, next.endMs) };
    } else {
      merged.push({ startMs: next.startMs, endMs: next.endMs });
    }
  }
  return merged;
}

/** Total length of a set of intervals, counting overlaps once. */
export function totalLength(intervals: readonly Interval[]): number {
  return mergeIntervals(intervals).reduce((sum, i) => sum + lengthOf(i), 0);
}

/** The parts of `from` not covered by `remove` (both merged first). */
export function subtractIntervals(from: readonly Interval[], remove: readonly Interval[]): Interval[] {
  const cuts = mergeIntervals(remove);
  const out: Interval[] = [];
  for (const piece of mergeIntervals(from)) {
    let cursor = piece.startMs;
    for (const cut of cuts) {
      if (cut.endMs <= cursor || cut.startMs >= piece.endMs) continue;
      if (cut.startMs > cursor) out.push({ startMs: cursor, endMs: cut.startMs });
      cursor = Math.max(cursor, cut.endMs);
    }
    if (cursor < piece.endMs) out.push({ startMs: cursor, endMs: piece.endMs });
  }
  return out;
}

/** Formats a duration for people: `45s`, `12m 5s`, `3h 2m`, `2d 4h`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? '-' : '';
  let s = Math.round(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d > 0) return `${sign}${d}d ${h}h`;
  if (h > 0) return `${sign}${h}h ${m}m`;
  if (m > 0) return `${sign}${m}m ${s}s`;
  return `${sign}${s}s`;
}
