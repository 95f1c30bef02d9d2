import { AUDIT_PREFIX, type AuditAction, type AuditRecord, auditKey } from '../core/audit-record';
import { looseEventId } from '../core/failover-events';
import { type DecisionMarker, eventMarkerKey, fnv1a64, mayActOn } from '../core/idempotency';
import { PAUSE_KEY, type PauseState, parsePauseState } from '../core/pause';
import type { Log } from '../ports/log';
import type { MetricSink } from '../ports/metrics';
import { type ObjectStore, PreconditionFailedError } from '../ports/object-store';

/**
 * The failover shells' shared I/O over the ports: pause switch, idempotency markers, actions
 * that honour dry-run and pause, and the audit writer. Nothing here knows about AWS.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const json = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));

/** Error text for the log and the audit record. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Reads the pause switch. If it cannot be read at all, the run counts as paused: acting without
 * knowing whether an operator pulled the switch is the riskier mistake.
 */
export async function readPause(store: ObjectStore, log: Log): Promise<PauseState & { error?: string }> {
  try {
    const object = await store.get(PAUSE_KEY);
    const state = parsePauseState(object?.body);
    if (state.error)
      log.error('pause switch unreadable; acting as paused', { key: PAUSE_KEY, error: state.error });
    return state;
  } catch (error) {
    const text = errorText(error);
    log.error('pause switch could not be read; acting as paused', { key: PAUSE_KEY, error: text });
    return { paused: true, error: text };
  }
}

/** Claims an event ID; `false` when it was already claimed (a redelivery). */
export async function claimEvent(
  store: ObjectStore,
  fn: string,
  eventId: string,
  nowMs: number,
): Promise<boolean> {
  try {
    await store.put(eventMarkerKey(fn, eventId), json({ eventId, atMs: nowMs }), {
      ifNoneMatch: '*',
      contentType: 'application/json',
    });
    return true;
  } catch (error) {
    if (error instanceof PreconditionFailedError) return false;
    throw error;
  }
}

/** A claimed decision marker, to be finished with {@link finishDecision}. */
export interface ClaimedDecision {
  readonly key: string;
  readonly etag: string;
  readonly decisionId: string;
}

/**
 * Claims a decision key. Returns `undefined` when the same decision was already carried out (or
 * is being carried out by a live run); failed and stale attempts may be claimed again.
 */
export async function claimDecision(
  store: ObjectStore,
  key: string,
  decisionId: string,
  nowMs: number,
  staleAfterMs: number,
): Promise<ClaimedDecision | undefined> {
  const marker: DecisionMarker = { status: 'in-progress', decisionId, atMs: nowMs };
  const current = await store.get(key);
  let existing: DecisionMarker | undefined;
  if (current) {
    try {
      existing = JSON.parse(decoder.decode(current.body)) as DecisionMarker;
    } catch {
      existing = { status: 'failed', decisionId: 'unreadable', atMs: 0 };
    }
  }
  if (!mayActOn(existing, nowMs, staleAfterMs)) return undefined;
  try {
    const { etag } = await store.put(
      key,
      json(marker),
      current
        ? { ifMatch: current.etag, contentType: 'application/json' }
        : { ifNoneMatch: '*', contentType: 'application/json' },
    );
    return { key, etag, decisionId };
  } catch (error) {
    if (error instanceof PreconditionFailedError) return undefined;
    throw error;
  }
}

/** Marks a claimed decision done or failed (failed ones may be retried by a later run). */
export async function finishDecision(
  store: ObjectStore,
  claimed: ClaimedDecision,
  status: 'done' | 'failed',
  nowMs: number,
): Promise<void> {
  const marker: DecisionMarker = { status, decisionId: claimed.decisionId, atMs: nowMs };
  await store.put(claimed.key, json(marker), { ifMatch: claimed.etag, contentType: 'application/json' });
}

/** Whether a run may make mutating calls. */
export interface ActMode {
  readonly dryRun: boolean;
  readonly paused: boolean;
}

/**
 * Runs one mutating call, or records it as skipped under dry-run or pause. A failure (after the
 * adapter's retries) is recorded, never thrown, so no action goes unrecorded.
 */
export async function act(
  mode: ActMode,
  log: Log,
  api: string,
  target: string,
  params: unknown,
  call: () => Promise<void>,
): Promise<AuditAction> {
  if (mode.dryRun || mode.paused) {
    const why = mode.paused ? 'paused' : 'dry-run';
    log.info(`${api} skipped (${why})`, { api, target, params });
    return { api, target, params, result: 'skipped', error: why };
  }
  try {
    await call();
    log.info(`${api} ok`, { api, target, params });
    return { api, target, params, result: 'ok' };
  } catch (error) {
    const text = errorText(error);
    log.error(`${api} failed`, { api, target, params, error: text });
    return { api, target, params, result: 'failed', error: text };
  }
}

/** Writes the audit record, logs it and counts it (EMF). A failed write is logged, not thrown. */
export async function writeAudit(
  store: ObjectStore,
  log: Log,
  metrics: MetricSink,
  record: AuditRecord,
): Promise<string | undefined> {
  const key = auditKey(record);
  const failed = record.actions.filter((a) => a.result === 'failed').length;
  log.info('decision recorded', {
    auditKey: key,
    function: record.function,
    eventId: record.eventId,
    decision: record.decision,
    reason: record.reason,
    az: record.az,
    dryRun: record.dryRun,
    paused: record.paused,
    actions: record.actions.map((a) => `${a.api} ${a.target} ${a.result}`),
  });
  metrics.put('Decisions', 1, 'Count', { Function: record.function, Decision: record.decision });
  if (failed > 0) metrics.put('ActionsFailed', failed, 'Count', { Function: record.function });
  try {
    await store.put(key, json(record), { ifNoneMatch: '*', contentType: 'application/json' });
    return key;
  } catch (error) {
    log.error('audit record could not be written', { auditKey: key, error: errorText(error) });
    metrics.put('AuditWriteFailures', 1, 'Count', { Function: record.function });
    return undefined;
  } finally {
    metrics.flush();
  }
}

/** The millisecond timestamp an audit key carries (see {@link auditKey}). */
export function auditKeyTime(key: string): number | undefined {
  const match = /\/(\d{15})-/.exec(key);
  return match ? Number(match[1]) : undefined;
}

/**
 * Reads the audit records of one function decided in (sinceMs, nowMs], using the time in the key
 * to skip the rest without fetching them. Unreadable records are skipped with a warning.
 */
export async function readRecentAudit(
  store: ObjectStore,
  log: Log,
  fn: string,
  sinceMs: number,
  nowMs: number,
): Promise<AuditRecord[]> {
  const days = new Set<string>();
  for (let t = sinceMs; t <= nowMs + 86_400_000; t += 86_400_000) {
    if (t > nowMs) t = nowMs;
    days.add(new Date(t).toISOString().slice(0, 10));
    if (t === nowMs) break;
  }
  const records: AuditRecord[] = [];
  for (const day of days) {
    for await (const info of store.list(`${AUDIT_PREFIX}${day}/`)) {
      const at = auditKeyTime(info.key);
      if (at === undefined || at <= sinceMs || at > nowMs || !info.key.includes(`-${fn}-`)) continue;
      const object = await store.get(info.key);
      if (!object) continue;
      try {
        records.push(JSON.parse(decoder.decode(object.body)) as AuditRecord);
      } catch {
        log.warn('unreadable audit record skipped', { key: info.key });
      }
    }
  }
  return records;
}

/** What one failover run did, as every failover handler returns it. */
export interface RecordedRun {
  readonly decision: string;
  readonly reason: string;
  readonly az?: string;
  readonly auditKey?: string;
  readonly actions: readonly AuditAction[];
}

/** Where a failover function records its decisions. */
export interface RecordTarget {
  readonly store: ObjectStore;
  readonly log: Log;
  readonly metrics: MetricSink;
  /** The function's name in the audit record (and its id). */
  readonly fn: string;
  readonly dryRun: boolean;
}

/** Builds one decision's audit record (schemaVersion 1), writes, logs and counts it: the shells' last step. */
async function recordDecision(
  target: RecordTarget,
  eventId: string,
  nowMs: number,
  decision: string,
  reason: string,
  extra: { az?: string; paused?: boolean; inputs?: unknown; actions?: AuditAction[] } = {},
): Promise<RecordedRun> {
  const actions = extra.actions ?? [];
  const auditRecord: AuditRecord = {
    schemaVersion: 1,
    id: fnv1a64(`${target.fn}:${eventId}:${nowMs}:${decision}`),
    function: target.fn,
    eventId,
    decidedAtMs: nowMs,
    decision,
    reason,
    az: extra.az,
    dryRun: target.dryRun,
    paused: extra.paused ?? false,
    inputs: extra.inputs ?? null,
    actions,
  };
  const auditKey = await writeAudit(target.store, target.log, target.metrics, auditRecord);
  return { decision, reason, az: extra.az, auditKey, actions };
}

/** {@link recordDecision} bound to one function's target: the `record` step of a shell. */
export function recorderFor(target: RecordTarget) {
  return (
    eventId: string,
    nowMs: number,
    decision: string,
    reason: string,
    extra?: Parameters<typeof recordDecision>[5],
  ): Promise<RecordedRun> => recordDecision(target, eventId, nowMs, decision, reason, extra);
}

/**
 * The shells' last resort for a run that threw: logs, counts (`RunFailures`) and records it, no
 * action; the next scheduled run starts afresh instead of a crash loop of retries.
 */
export function recordRunFailure(
  target: RecordTarget,
  event: unknown,
  error: unknown,
  nowMs: number,
): Promise<RecordedRun> {
  const eventId = looseEventId(event) ?? `failed-${nowMs}`;
  const reason = `run failed, no further action: ${errorText(error)}`;
  target.log.error(reason, { eventId });
  target.metrics.put('RunFailures', 1, 'Count', { Function: target.fn });
  return recordDecision(target, eventId, nowMs, 'none', reason);
}
