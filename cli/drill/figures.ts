import { BUCKET_S, type Bucket, isBulkheadActor, type TimelineEvent } from './timeline';

/** A bucket whose error rate exceeds this is part of an incident. */
export const INCIDENT_ERROR_RATE = 0.01;
/** Incidents closer than this are one incident (a flap is not a recovery). */
export const INCIDENT_MERGE_GAP_S = 60;
/** An AZ counts as left when it gets less than this share of the requests… */
export const LEFT_AZ_SHARE = 0.01;
/** …for at least this long (a brief dip while ECS churns tasks is not an evacuation). */
export const LEFT_AZ_SUSTAIN_S = 60;

/** One incident: a run of buckets whose error rate is above {@link INCIDENT_ERROR_RATE}. */
export interface Incident {
  readonly startS: number;
  readonly endS: number;
  /** Still going when the drill ended: its duration is a lower bound. */
  readonly open: boolean;
}

/** The figures of one run, all derived from its timeline and events by {@link computeFigures}. */
export interface Figures {
  readonly totalRequests: number;
  readonly failedRequests: number;
  /** Request-based: 1 − failed / total. */
  readonly availability: number;
  /** First detection (by anyone: ALB, ECS, CloudWatch, Bulkhead) after the first fault, seconds. */
  readonly detectionS: number | null;
  /** First action (by anyone) after the first fault, seconds. */
  readonly mitigationS: number | null;
  /** First Bulkhead action after the first fault, seconds. */
  readonly bulkheadActionS: number | null;
  /** Per faulted AZ: seconds from its fault's start until it got < 1% of requests for 60 s (null: never). */
  readonly trafficLeftAzS: Readonly<Record<string, number | null>>;
  readonly incidents: readonly Incident[];
  /** Mean incident duration, seconds (null: no incident). */
  readonly mttrS: number | null;
  /** True when an incident was still open at the end (MTTR is then a lower bound). */
  readonly mttrOpen: boolean;
  readonly blastRadius: {
    /** Worst bucket's share of failed requests. */
    readonly peakErrorRate: number;
    /** AZs whose requests failed at some point. */
    readonly azsWithErrors: readonly string[];
  };
  /** Successful API actions by Bulkhead's functions. */
  readonly bulkheadActions: number;
}

/**
 * Computes a run's figures from its timeline and events alone, so anyone can recompute them from
 * the JSON report (a test does).
 */
export function computeFigures(timeline: readonly Bucket[], events: readonly TimelineEvent[]): Figures {
  const totalRequests = timeline.reduce((a, b) => a + b.requests, 0);
  const failedRequests = timeline.reduce((a, b) => a + b.failed, 0);
  const faultStarts = events.filter((e) => e.kind === 'fault-start');
  const firstFault = faultStarts.length > 0 ? Math.min(...faultStarts.map((e) => e.t)) : null;
  const firstAfter = (pred: (e: TimelineEvent) => boolean): number | null => {
    if (firstFault === null) return null;
    const hit = events.find((e) => e.t >= firstFault && pred(e));
    return hit ? hit.t - firstFault : null;
  };

  const trafficLeftAzS: Record<string, number | null> = {};
  for (const fault of faultStarts) {
    if (!fault.az || fault.az in trafficLeftAzS) continue;
    const az = fault.az;
    const low = (b: Bucket) => b.requests > 0 && (b.az[az]?.requests ?? 0) / b.requests < LEFT_AZ_SHARE;
    const left = timeline.find((b, i) => {
      if (b.t < fault.t || !low(b)) return false;
      // Sustained: the AZ stays below the share for LEFT_AZ_SUSTAIN_S (or until the drill ends).
      const window = timeline.slice(i, i + LEFT_AZ_SUSTAIN_S / BUCKET_S);
      return window.every(low);
    });
    trafficLeftAzS[fault.az] = left ? Math.max(0, left.t + BUCKET_S - fault.t) : null;
  }

  const incidents: Incident[] = [];
  let current: { startS: number; endS: number } | undefined;
  for (const b of timeline) {
    const bad = b.requests > 0 && b.failed / b.requests > INCIDENT_ERROR_RATE;
    if (!bad) continue;
    if (current && b.t - current.endS <= INCIDENT_MERGE_GAP_S) current.endS = b.t + BUCKET_S;
    else {
      if (current) incidents.push({ ...current, open: false });
      current = { startS: b.t, endS: b.t + BUCKET_S };
    }
  }
  const lastT = timeline.length > 0 ? timeline[timeline.length - 1].t + BUCKET_S : 0;
  if (current) incidents.push({ ...current, open: current.endS >= lastT });

  let peakErrorRate = 0;
  const azsWithErrors = new Set<string>();
  for (const b of timeline) {
    if (b.requests > 0) peakErrorRate = Math.max(peakErrorRate, b.failed / b.requests);
    for (const [az, v] of Object.entries(b.az)) if (v.failed > 0) azsWithErrors.add(az);
  }

  return {
    totalRequests,
    failedRequests,
    availability: totalRequests === 0 ? 1 : 1 - failedRequests / totalRequests,
    detectionS: firstAfter((e) => e.kind === 'detected'),
    mitigationS: firstAfter((e) => e.kind === 'action'),
    bulkheadActionS: firstAfter((e) => e.kind === 'action' && isBulkheadActor(e.actor)),
    trafficLeftAzS,
    incidents,
    mttrS:
      incidents.length === 0 ? null : incidents.reduce((a, i) => a + i.endS - i.startS, 0) / incidents.length,
    mttrOpen: incidents.some((i) => i.open),
    blastRadius: { peakErrorRate, azsWithErrors: [...azsWithErrors].sort() },
    bulkheadActions: events.filter((e) => e.kind === 'action' && isBulkheadActor(e.actor)).length,
  };
}
