import type { Incident } from '../availability/incident';
import type { Interval } from '../availability/windows';
import { type IncidentEvent, incidentEventKey } from './incident-event';

/** Something about the log a reader must see: duplicates, orphans, skew. Never silent. */
export interface LogFinding {
  readonly severity: 'info' | 'warning' | 'error';
  /** Stable code for scripts, e.g. `duplicate-open`, `unmatched-close`, `clock-skew`, `malformed`. */
  readonly code: string;
  readonly message: string;
  readonly key?: string;
}

/** A stored event with the key it was read from and, when known, the store's write time. */
export interface StoredIncidentEvent {
  readonly key: string;
  readonly event: IncidentEvent;
  /** The object's LastModified (the store's clock), used to detect writer clock skew. */
  readonly storedAtMs?: number;
}

/** The incident log folded into incidents, gaps and findings. */
export interface FoldedLog {
  /** Incidents, sorted by start then scope then cause. */
  readonly incidents: Incident[];
  /** Signal gaps per scope (merged later by the math). */
  readonly gaps: Record<string, Interval[]>;
  readonly findings: LogFinding[];
  /** Distinct events used (after dropping exact duplicates). */
  readonly events: number;
}

/** Options of {@link foldIncidentLog}. */
export interface FoldOptions {
  /**
   * How far a writer's clock may differ from the store's, or an event's time from its observation,
   * before it is reported as clock skew.
   * @default 120_000 (2 minutes)
   */
  readonly skewToleranceMs?: number;
}

const KIND_ORDER = { open: 0, close: 1, gap: 2 } as const;

function incidentId(event: IncidentEvent): string {
  return incidentEventKey(event).replace(/^.*\/(.*)\.json$/, '$1');
}

/**
 * Folds log records into incidents. The result depends only on the *set* of records, not on their
 * order or on duplicates, so replaying the log, or reading it while writers append out of order,
 * converges on the same incidents:
 *
 * 1. exact duplicates (same key) collapse to one;
 * 2. per (scope, cause), events are sorted by event time (`atMs`; ties: open before close, then key);
 * 3. walking them, an `open` starts an incident unless one is already open (then it is a
 *    `duplicate-open`, reported as info), a `close` ends the open one, and a `close` with nothing
 *    open is an `unmatched-close` (a warning: its open was lost or is skewed later).
 *
 * Clock skew is reported, not corrected: an event written more than the tolerance away from the
 * store's clock (`clock-skew`), an event dated after it was observed (`event-after-observation`;
 * the detection time is then taken as the event time, so MTTD is never negative).
 */
export function foldIncidentLog(
  records: readonly StoredIncidentEvent[],
  options: FoldOptions = {},
): FoldedLog {
  const tolerance = options.skewToleranceMs ?? 120_000;
  const findings: LogFinding[] = [];
  const unique = new Map<string, StoredIncidentEvent>();
  for (const record of records) {
    const key = incidentEventKey(record.event);
    if (!unique.has(key)) unique.set(key, { ...record, key: record.key });
  }
  const gaps: Record<string, Interval[]> = {};
  const streams = new Map<string, StoredIncidentEvent[]>();
  for (const record of unique.values()) {
    const { event } = record;
    if (record.storedAtMs !== undefined && Math.abs(event.observedAtMs - record.storedAtMs) > tolerance) {
      findings.push({
        severity: 'warning',
        code: 'clock-skew',
        key: record.key,
        message: `writer ${event.source} observed the event at ${new Date(event.observedAtMs).toISOString()} but the store recorded it at ${new Date(record.storedAtMs).toISOString()} (${Math.round((event.observedAtMs - record.storedAtMs) / 1000)} s apart)`,
      });
    }
    if (event.kind !== 'gap' && event.atMs > event.observedAtMs + tolerance) {
      findings.push({
        severity: 'warning',
        code: 'event-after-observation',
        key: record.key,
        message: `${event.kind} of ${event.scope} (${event.cause}) is dated ${Math.round((event.atMs - event.observedAtMs) / 1000)} s after it was observed: writer clock skew`,
      });
    }
    if (event.kind === 'gap') {
      const list = gaps[event.scope] ?? [];
      list.push({ startMs: event.atMs, endMs: event.endMs as number });
      gaps[event.scope] = list;
      continue;
    }
    const stream = `${event.scope}\u0000${event.cause}`;
    const list = streams.get(stream) ?? [];
    list.push(record);
    streams.set(stream, list);
  }

  const incidents: Incident[] = [];
  for (const list of streams.values()) {
    list.sort(
      (a, b) =>
        a.event.atMs - b.event.atMs ||
        KIND_ORDER[a.event.kind] - KIND_ORDER[b.event.kind] ||
        (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    );
    let open: { event: IncidentEvent; id: string } | undefined;
    for (const { event, key } of list) {
      if (event.kind === 'open') {
        if (open) {
          findings.push({
            severity: 'info',
            code: 'duplicate-open',
            key,
            message: `${event.scope} (${event.cause}) opened again at ${new Date(event.atMs).toISOString()} while already open since ${new Date(open.event.atMs).toISOString()}; kept the first`,
          });
          continue;
        }
        open = { event, id: incidentId(event) };
      } else if (open) {
        incidents.push(toIncident(open.id, open.event, event.atMs));
        open = undefined;
      } else {
        findings.push({
          severity: 'warning',
          code: 'unmatched-close',
          key,
          message: `${event.scope} (${event.cause}) closed at ${new Date(event.atMs).toISOString()} with no open incident before it; ignored`,
        });
      }
    }
    if (open) incidents.push(toIncident(open.id, open.event, undefined));
  }
  incidents.sort(
    (a, b) =>
      a.startedAtMs - b.startedAtMs || a.scope.localeCompare(b.scope) || a.cause.localeCompare(b.cause),
  );
  return { incidents, gaps, findings, events: unique.size };
}

function toIncident(id: string, open: IncidentEvent, endedAtMs: number | undefined): Incident {
  return {
    id,
    scope: open.scope,
    cause: open.cause,
    startedAtMs: open.atMs,
    detectedAtMs: Math.max(open.atMs, open.observedAtMs),
    ...(endedAtMs === undefined ? {} : { endedAtMs }),
  };
}
