/**
 * The audit record: one JSON object per decision, written by every acting function (failover) and
 * read by the availability function (to link actions to incidents), the CLI and drills. The
 * failover work owns its evolution; readers must tolerate unknown fields.
 */
export interface AuditRecord {
  readonly schemaVersion: 1;
  /** Unique per decision; also the idempotency key for the actions it carries. */
  readonly id: string;
  /** Function that decided, e.g. `zone-shifter`. */
  readonly function: string;
  /** EventBridge event ID (or schedule tick ID) that triggered the run. */
  readonly eventId: string;
  readonly decidedAtMs: number;
  /** The decision kind (`none`, `evacuate`, `restore`, `alert-only`, `rollback`, `stop-tasks`, …). */
  readonly decision: string;
  readonly reason: string;
  /** AZ the decision is about, when it is zonal. */
  readonly az?: string;
  readonly dryRun: boolean;
  readonly paused: boolean;
  /** The gathered state the decision was made from (trimmed). */
  readonly inputs: unknown;
  readonly actions: readonly AuditAction[];
}

/** One API action taken (or skipped) for a decision. */
export interface AuditAction {
  /** e.g. `ModifyListener`, `UpdateService`, `StopTask`. */
  readonly api: string;
  readonly target: string;
  readonly params: unknown;
  readonly result: 'ok' | 'failed' | 'skipped';
  readonly error?: string;
}

/** Key prefix of audit records in the state bucket. */
export const AUDIT_PREFIX = 'audit/';

/** Audit keys sort by time: `audit/<yyyy-mm-dd>/<decidedAtMs padded>-<function>-<id>.json`. */
export function auditKey(record: Pick<AuditRecord, 'decidedAtMs' | 'function' | 'id'>): string {
  const day = new Date(record.decidedAtMs).toISOString().slice(0, 10);
  return `${AUDIT_PREFIX}${day}/${String(record.decidedAtMs).padStart(15, '0')}-${record.function}-${record.id}.json`;
}
