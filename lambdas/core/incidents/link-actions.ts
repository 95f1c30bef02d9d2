import * as z from 'zod/mini';
import type { Incident } from '../availability/incident';
import { type MalformedRecord, parseStoredRecord } from './stored-record';

/**
 * The fields of an audit record (`lambdas/core/audit-record.ts`) this module relies on. Parsed
 * leniently: unknown fields are ignored, since the failover functions own the record's evolution.
 */
export interface AuditAction {
  readonly key: string;
  readonly id: string;
  readonly function: string;
  readonly decision: string;
  readonly decidedAtMs: number;
  readonly az?: string;
  readonly dryRun: boolean;
  readonly paused: boolean;
  /** How many of its API actions succeeded. */
  readonly okActions: number;
}

const auditSchema = z.object({
  id: z.string(),
  function: z.string(),
  decision: z.string(),
  decidedAtMs: z.number(),
  az: z.optional(z.string()),
  dryRun: z.boolean(),
  paused: z.boolean(),
  actions: z.array(z.looseObject({ result: z.string() })),
});

/** Parses one audit object into the fields used here, or says why it cannot be used. */
export function parseAuditRecord(
  key: string,
  body: Uint8Array,
):
  | { readonly ok: true; readonly action: AuditAction }
  | { readonly ok: false; readonly malformed: MalformedRecord } {
  const parsed = parseStoredRecord(key, body, auditSchema);
  if (!parsed.ok) return parsed;
  const r = parsed.value;
  return {
    ok: true,
    action: {
      key,
      id: r.id,
      function: r.function,
      decision: r.decision,
      decidedAtMs: r.decidedAtMs,
      az: r.az,
      dryRun: r.dryRun,
      paused: r.paused,
      okActions: r.actions.filter((a) => a.result === 'ok').length,
    },
  };
}

/** Decisions that change nothing and so mitigate nothing. */
const NON_MITIGATING = new Set(['none', 'alert-only', 'noop']);

/** Did this audit record change the system (a real, successful, non-dry-run action)? */
export function isMitigation(action: AuditAction): boolean {
  return !action.dryRun && !action.paused && action.okActions > 0 && !NON_MITIGATING.has(action.decision);
}

/** An incident with the automated actions that mitigated it. */
export interface LinkedIncident extends Incident {
  /** Audit record ids of the mitigating actions, in time order. */
  readonly actions: readonly string[];
}

/**
 * Links Bulkhead's actions to the incidents they mitigated. An action mitigates an incident when it
 * changed the system (see {@link isMitigation}), was decided while the incident was open
 * ([startedAtMs, endedAtMs), open-ended while open), and is about the same place: an AZ incident
 * takes only actions about that AZ, a service incident takes any. The first such action sets
 * `mitigatedAtMs`, giving the time to mitigate.
 */
export function linkActions(
  incidents: readonly Incident[],
  actions: readonly AuditAction[],
): LinkedIncident[] {
  const mitigations = actions.filter(isMitigation).sort((a, b) => a.decidedAtMs - b.decidedAtMs);
  return incidents.map((incident) => {
    const az = incident.scope.startsWith('az:') ? incident.scope.slice(3) : undefined;
    const linked = mitigations.filter(
      (a) =>
        a.decidedAtMs >= incident.startedAtMs &&
        (incident.endedAtMs === undefined || a.decidedAtMs < incident.endedAtMs) &&
        (az === undefined || a.az === az),
    );
    const first = linked[0];
    return {
      ...incident,
      ...(first ? { mitigatedAtMs: first.decidedAtMs } : {}),
      actions: linked.map((a) => a.id),
    };
  });
}
