import type { Incident } from './incident';
import { clip, type Interval, lengthOf, mergeIntervals, subtractIntervals, totalLength } from './windows';

/**
 * Time-based figures of one scope over one window. Every duration is in milliseconds and is
 * clipped to the window. The definitions (also in the README):
 *
 * - **outage**: the union of the scope's incidents, each taken as [startedAtMs, endedAtMs), an
 *   open incident running to the window's end. Overlapping or touching incidents of the *same*
 *   scope merge into one outage; incidents of different scopes never merge (compute each scope
 *   on its own).
 * - **unobserved**: time in the window when the signals had gaps and no incident was open, so
 *   Bulkhead cannot say whether the scope was up. It is left out of both uptime and downtime.
 * - `observedMs = windowMs - unobservedMs`, `downtimeMs` = outage time inside the window,
 *   `uptimeMs = observedMs - downtimeMs`.
 * - `failures`: the number of outages with a positive length inside the window. An outage that
 *   straddles a window edge counts once in each window it touches.
 * - `availability = uptimeMs / observedMs` (undefined when nothing was observed).
 * - `mtbfMs = uptimeMs / failures` and `mttrMs = downtimeMs / failures`, both defined only when
 *   `failures > 0`. Hence `availability = mtbf / (mtbf + mttr)` holds exactly, by construction.
 * - No failure: MTBF is undefined and reported as "more than `mtbfLowerBoundMs`" (the observed
 *   uptime); it is never 0, NaN or Infinity.
 * - `mttdMs`: mean of `detectedAtMs - startedAtMs` over incidents that *started* in the window.
 * - `mttmMs`: mean of `mitigatedAtMs - startedAtMs` over incidents that started in the window
 *   and were mitigated.
 */
export interface TimeFigures {
  readonly window: Interval;
  readonly windowMs: number;
  readonly observedMs: number;
  readonly unobservedMs: number;
  readonly downtimeMs: number;
  readonly uptimeMs: number;
  /** Outages (merged incidents) with positive length in the window. */
  readonly failures: number;
  /** Incidents (as logged, unmerged) that overlap the window, including zero-length ones. */
  readonly incidentCount: number;
  /** Incidents still open at the window's end. */
  readonly openIncidents: number;
  /** True when an open incident is counted up to the window's end: MTTR is then a lower bound. */
  readonly mttrIncludesOpen: boolean;
  /** Uptime over observed time, in [0, 1]; `undefined` when nothing was observed. */
  readonly availability: number | undefined;
  /** Mean time between failures; `undefined` when there was no failure. */
  readonly mtbfMs: number | undefined;
  /** MTBF when defined; otherwise the observed uptime, which MTBF exceeds ("> window"). */
  readonly mtbfLowerBoundMs: number;
  /** Mean time to repair (outage duration clipped to the window); `undefined` without failures. */
  readonly mttrMs: number | undefined;
  /** Mean time to detect; `undefined` when no incident started in the window. */
  readonly mttdMs: number | undefined;
  /** Mean time to mitigate; `undefined` when no incident that started in the window was mitigated. */
  readonly mttmMs: number | undefined;
}

function mean(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;
}

function incidentInterval(incident: Incident, window: Interval): Interval {
  return {
    startMs: incident.startedAtMs,
    endMs: incident.endedAtMs ?? Math.max(window.endMs, incident.startedAtMs),
  };
}

/**
 * Computes the time-based figures of one scope's incidents over `window`. Pass only one scope's
 * incidents (see {@link figuresByScope}); `unobserved` lists the signal gaps for that scope.
 */
export function timeFigures(
  incidents: readonly Incident[],
  window: Interval,
  unobserved: readonly Interval[] = [],
): TimeFigures {
  if (!(window.endMs > window.startMs)) {
    throw new Error(`invalid window [${window.startMs}, ${window.endMs}): it must have a positive length`);
  }
  const windowMs = lengthOf(window);
  const relevant = incidents.filter((i) => {
    const interval = incidentInterval(i, window);
    // Zero-length incidents inside the window still count as logged incidents.
    return interval.endMs > interval.startMs
      ? clip(interval, window) !== undefined
      : interval.startMs >= window.startMs && interval.startMs < window.endMs;
  });
  const outages = mergeIntervals(
    relevant
      .map((i) => clip(incidentInterval(i, window), window))
      .filter((i): i is Interval => i !== undefined),
  );
  const downtimeMs = totalLength(outages);
  const gaps = mergeIntervals(
    unobserved.map((g) => clip(g, window)).filter((g): g is Interval => g !== undefined),
  );
  const unobservedMs = totalLength(subtractIntervals(gaps, outages));
  const observedMs = windowMs - unobservedMs;
  const uptimeMs = observedMs - downtimeMs;
  const failures = outages.length;
  const openIncidents = relevant.filter(
    (i) => i.endedAtMs === undefined || i.endedAtMs > window.endMs,
  ).length;
  const started = relevant.filter((i) => i.startedAtMs >= window.startMs && i.startedAtMs < window.endMs);
  return {
    window,
    windowMs,
    observedMs,
    unobservedMs,
    downtimeMs,
    uptimeMs,
    failures,
    incidentCount: relevant.length,
    openIncidents,
    mttrIncludesOpen: openIncidents > 0,
    availability: observedMs > 0 ? uptimeMs / observedMs : undefined,
    mtbfMs: failures > 0 ? uptimeMs / failures : undefined,
    mtbfLowerBoundMs: failures > 0 ? uptimeMs / failures : uptimeMs,
    mttrMs: failures > 0 ? downtimeMs / failures : undefined,
    mttdMs: mean(started.map((i) => Math.max(0, i.detectedAtMs - i.startedAtMs))),
    mttmMs: mean(
      started
        .filter((i) => i.mitigatedAtMs !== undefined)
        .map((i) => Math.max(0, (i.mitigatedAtMs as number) - i.startedAtMs)),
    ),
  };
}

/**
 * Time-based figures for every scope in `scopes`, each from its own incidents only: overlapping
 * incidents in different scopes never add up (an AZ outage is not a service outage).
 */
export function figuresByScope(
  incidents: readonly Incident[],
  window: Interval,
  scopes: readonly string[],
  unobservedByScope: Readonly<Record<string, readonly Interval[]>> = {},
): Record<string, TimeFigures> {
  const out: Record<string, TimeFigures> = {};
  for (const scope of scopes) {
    out[scope] = timeFigures(
      incidents.filter((i) => i.scope === scope),
      window,
      unobservedByScope[scope] ?? [],
    );
  }
  return out;
}
