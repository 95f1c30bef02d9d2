import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { type Scope, scopeSchema } from '../availability/incident';
import { type MalformedRecord, parseStoredRecord } from './stored-record';

/** Key prefix of the incident log in the state bucket. */
export const INCIDENTS_PREFIX = 'incidents/';

/**
 * One record of the append-only incident log: one JSON object per open, close or signal gap.
 *
 * - `open`: an SLI breached its threshold or an impairment alarm fired. `atMs` is when the
 *   impairment began (the first bad period, or the alarm's evaluated period), `observedAtMs` when
 *   the writer saw it, so `observedAtMs - atMs` is the time to detect.
 * - `close`: the SLI recovered or the alarm returned to OK; `atMs` is when the impairment ended.
 * - `gap`: no signal at all covered [`atMs`, `endMs`) for the scope (no probe datapoint and no
 *   traffic), so that time is neither up nor down. Gaps are kept so the CLI shows them too.
 *
 * Readers tolerate unknown fields (the schema is not strict), so writers may add some.
 */
export interface IncidentEvent {
  readonly schemaVersion: 1;
  readonly kind: 'open' | 'close' | 'gap';
  readonly scope: Scope;
  /** `sli:requests`, `sli:probes`, `alarm:<alarm name>`, or for gaps the signal set, `no-signal`. */
  readonly cause: string;
  readonly atMs: number;
  /** End of a gap; only on `gap` records. */
  readonly endMs?: number;
  /** When the writer observed the event, by its own clock. */
  readonly observedAtMs: number;
  /** Who wrote it, e.g. `availability` or `alarm-recorder`. */
  readonly source: string;
  /** Free-form evidence (SLI values, alarm reason). */
  readonly detail?: unknown;
}

const time = z.int().check(z.nonnegative());

/** The schema a stored record must satisfy; unknown fields are tolerated (and dropped). */
export const incidentEventSchema = z
  .object({
    schemaVersion: z.literal(1),
    kind: z.enum(['open', 'close', 'gap']),
    scope: scopeSchema,
    cause: z.string().check(z.minLength(1), z.maxLength(512)),
    atMs: time,
    endMs: z.optional(time),
    observedAtMs: time,
    source: z.string().check(z.minLength(1), z.maxLength(128)),
    detail: z.optional(z.unknown()),
  })
  .check(
    z.refine((e) => e.kind !== 'gap' || (e.endMs !== undefined && e.endMs > e.atMs), {
      message: 'a gap record needs endMs > atMs',
      path: ['endMs'],
    }),
  );

/**
 * The record's key: `incidents/<yyyy-mm-dd>/<atMs, 15 digits>-<kind>-<hash>.json`, where the hash
 * covers kind, scope, cause, atMs and endMs. The same event always gets the same key, so writing it
 * with If-None-Match: * makes appends idempotent, and keys sort by event time.
 */
export function incidentEventKey(
  event: Pick<IncidentEvent, 'kind' | 'scope' | 'cause' | 'atMs' | 'endMs'>,
): string {
  const day = new Date(event.atMs).toISOString().slice(0, 10);
  const identity = [event.kind, event.scope, event.cause, event.atMs, event.endMs ?? ''].join('\u0000');
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 16);
  return `${INCIDENTS_PREFIX}${day}/${String(event.atMs).padStart(15, '0')}-${event.kind}-${hash}.json`;
}

/** Parses one stored record: the event, or why it is malformed (bad JSON, or which fields are wrong). */
export function parseIncidentEvent(
  key: string,
  body: Uint8Array,
):
  | { readonly ok: true; readonly event: IncidentEvent }
  | { readonly ok: false; readonly malformed: MalformedRecord } {
  const parsed = parseStoredRecord(key, body, incidentEventSchema);
  return parsed.ok ? { ok: true, event: parsed.value as IncidentEvent } : parsed;
}
