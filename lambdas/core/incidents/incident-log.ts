import { type ObjectInfo, type ObjectStore, PreconditionFailedError } from '../../ports/object-store';
import { AUDIT_PREFIX } from '../audit-record';
import type { Interval } from '../availability/windows';
import { foldIncidentLog, type LogFinding, type StoredIncidentEvent } from './fold';
import { INCIDENTS_PREFIX, type IncidentEvent, incidentEventKey, parseIncidentEvent } from './incident-event';
import { type AuditAction, type LinkedIncident, linkActions, parseAuditRecord } from './link-actions';
import type { MalformedRecord } from './stored-record';

/** The outcome of one append: written now, or already present (a replay or a duplicate). */
export type AppendResult = { readonly key: string; readonly written: boolean };

/**
 * Appends one event to the incident log. The key is derived from the event (see
 * {@link incidentEventKey}) and written with If-None-Match: *, so a retried or duplicated append is
 * a no-op, and the log stays append-only: nothing is ever overwritten.
 */
export async function appendIncidentEvent(store: ObjectStore, event: IncidentEvent): Promise<AppendResult> {
  const key = incidentEventKey(event);
  try {
    await store.put(key, new TextEncoder().encode(`${JSON.stringify(event)}\n`), {
      ifNoneMatch: '*',
      contentType: 'application/json',
    });
    return { key, written: true };
  } catch (error) {
    if (error instanceof PreconditionFailedError) return { key, written: false };
    throw error;
  }
}

/** What reading a prefix of records gave: the usable ones and the malformed ones (skipped, with why). */
export interface LogRead<T> {
  readonly records: T[];
  readonly malformed: MalformedRecord[];
}

/**
 * A cache of parsed records by key and ETag. Log and audit objects are immutable once written, so a
 * warm Lambda re-reads only the objects it has not seen.
 */
export type RecordCache = Map<string, { readonly etag: string; readonly value: unknown }>;

async function readAll<T>(
  store: ObjectStore,
  prefix: string,
  parse: (
    key: string,
    body: Uint8Array,
    storedAtMs: number,
  ) => { ok: true; value: T } | { ok: false; malformed: MalformedRecord },
  keep: (key: string) => boolean,
  cache?: RecordCache,
  listingIsFinal = false,
): Promise<LogRead<T>> {
  const records: T[] = [];
  const malformed: MalformedRecord[] = [];
  // A listing that can no longer change (a past day's audit prefix) is kept in the cache too.
  const listKey = `list:${prefix}`;
  const cachedListing = listingIsFinal ? (cache?.get(listKey)?.value as ObjectInfo[] | undefined) : undefined;
  let listing = cachedListing;
  if (!listing) {
    listing = [];
    for await (const info of store.list(prefix)) listing.push(info);
    if (listingIsFinal) cache?.set(listKey, { etag: '', value: listing });
  }
  for (const info of listing) {
    if (!info.key.endsWith('.json') || !keep(info.key)) continue;
    const cached = cache?.get(info.key);
    let result: { ok: true; value: T } | { ok: false; malformed: MalformedRecord };
    if (cached && cached.etag === info.etag) {
      result = cached.value as typeof result;
    } else {
      const object = await store.get(info.key);
      if (!object) continue; // deleted between list and get
      result = parse(info.key, object.body, info.lastModifiedMs);
      cache?.set(info.key, { etag: info.etag, value: result });
    }
    if (result.ok) records.push(result.value);
    else malformed.push(result.malformed);
  }
  return { records, malformed };
}

/** Reads every incident-log record (they are few: two per incident, plus gaps), reporting malformed ones. */
export function readIncidentLog(
  store: ObjectStore,
  cache?: RecordCache,
): Promise<LogRead<StoredIncidentEvent>> {
  return readAll<StoredIncidentEvent>(
    store,
    INCIDENTS_PREFIX,
    (key, body, storedAtMs) => {
      const parsed = parseIncidentEvent(key, body);
      // A store that reports no write time (0) gives no skew evidence.
      return parsed.ok
        ? {
            ok: true,
            value: { key, event: parsed.event, storedAtMs: storedAtMs > 0 ? storedAtMs : undefined },
          }
        : parsed;
    },
    () => true,
    cache,
  );
}

const DAY_MS = 86_400_000;

/**
 * Reads the audit records decided inside any of `intervals` (the incidents' open periods). The
 * failover functions write a record for every run, including "none" decisions, so the audit log is
 * large (about 1,440 records a day per function on a one-minute tick); only the day prefixes the
 * intervals touch are listed (`audit/<yyyy-mm-dd>/`), and only keys whose decision time (in the key)
 * falls inside an interval are fetched. A key without a readable time is fetched and checked.
 */
export async function readAuditActions(
  store: ObjectStore,
  intervals: readonly Interval[],
  cache?: RecordCache,
  nowMs?: number,
): Promise<LogRead<AuditAction>> {
  // Records are keyed by their decision day and written when decided, so a day that ended more than
  // a day ago gets no new keys: its listing is cached (one LIST per day per warm container).
  const finalBefore = nowMs === undefined ? '' : new Date(nowMs - DAY_MS).toISOString().slice(0, 10);
  const inside = (ms: number) => intervals.some((i) => ms >= i.startMs && ms < i.endMs);
  const days = new Set<string>();
  for (const i of intervals) {
    for (let d = Math.floor(i.startMs / DAY_MS) * DAY_MS; d < i.endMs; d += DAY_MS) {
      days.add(new Date(d).toISOString().slice(0, 10));
    }
  }
  const records: AuditAction[] = [];
  const malformed: MalformedRecord[] = [];
  for (const day of [...days].sort()) {
    const prefix = `${AUDIT_PREFIX}${day}/`;
    const read = await readAll<AuditAction>(
      store,
      prefix,
      (key, body) => {
        const parsed = parseAuditRecord(key, body);
        return parsed.ok ? { ok: true, value: parsed.action } : parsed;
      },
      (key) => {
        const ms = Number(key.slice(prefix.length, prefix.length + 15));
        return !/^\d{15}-/.test(key.slice(prefix.length)) || inside(ms);
      },
      cache,
      day < finalBefore,
    );
    records.push(...read.records.filter((r) => inside(r.decidedAtMs)));
    malformed.push(...read.malformed);
  }
  return { records, malformed };
}

/** The incident history as the math, the function and the CLI consume it. */
export interface IncidentHistory {
  /** Incidents with their linked mitigating actions. */
  readonly incidents: LinkedIncident[];
  /** Signal gaps per scope. */
  readonly gaps: Record<string, Interval[]>;
  /** Duplicates, orphans, skew and malformed records: everything a reader must see. */
  readonly findings: LogFinding[];
  /** Malformed incident and audit records, skipped. */
  readonly malformed: MalformedRecord[];
  /** Distinct incident-log events used. */
  readonly events: number;
  /** Audit records read (those decided while an incident was open). */
  readonly auditRecords: number;
}

/** Options of {@link loadIncidentHistory}. */
export interface LoadOptions {
  /** Reader's "now", to flag events dated in the future. */
  readonly nowMs: number;
  /** Audit records older than this are not read (the longest reporting window's start). */
  readonly auditFromMs: number;
  /** @default 120_000 */
  readonly skewToleranceMs?: number;
  readonly cache?: RecordCache;
  /**
   * Compare writers' clocks with the store's write times (S3 LastModified). Turn it off for stores
   * whose times are not write times, such as a local copy of the bucket.
   * @default true
   */
  readonly checkStoreClock?: boolean;
}

/** The error finding that reports a malformed record, which readers skip. */
export function malformedFinding(m: MalformedRecord): LogFinding {
  return {
    severity: 'error',
    code: 'malformed',
    key: m.key,
    message: `skipped malformed record: ${m.reason}`,
  };
}

/**
 * Reads and folds the incident log, links the audit records to it, and reports every problem:
 * malformed records (skipped), duplicates, unmatched closes, clock skew, events in the future.
 */
export async function loadIncidentHistory(
  store: ObjectStore,
  options: LoadOptions,
): Promise<IncidentHistory> {
  const tolerance = options.skewToleranceMs ?? 120_000;
  const log = await readIncidentLog(store, options.cache);
  const records =
    options.checkStoreClock === false
      ? log.records.map((r) => ({ ...r, storedAtMs: undefined }))
      : log.records;
  const folded = foldIncidentLog(records, { skewToleranceMs: tolerance });
  // Only actions decided while an incident was open can mitigate it: read just those periods.
  const periods = folded.incidents
    .map((i) => ({
      startMs: Math.max(i.startedAtMs, options.auditFromMs),
      endMs: i.endedAtMs ?? options.nowMs + 1,
    }))
    .filter((p) => p.endMs > p.startMs);
  const audit = await readAuditActions(store, periods, options.cache, options.nowMs);
  const findings: LogFinding[] = [...folded.findings];
  for (const { key, event } of log.records) {
    if (event.atMs > options.nowMs + tolerance) {
      findings.push({
        severity: 'warning',
        code: 'event-in-future',
        key,
        message: `${event.kind} of ${event.scope} is dated ${new Date(event.atMs).toISOString()}, after now (${new Date(options.nowMs).toISOString()}): writer clock skew`,
      });
    }
  }
  const malformed = [...log.malformed, ...audit.malformed];
  findings.push(...malformed.map(malformedFinding));
  return {
    incidents: linkActions(folded.incidents, audit.records),
    gaps: folded.gaps,
    findings,
    malformed,
    events: folded.events,
    auditRecords: audit.records.length,
  };
}
