import * as z from 'zod/mini';

/**
 * What an incident's scope names: the whole service, or one Availability Zone's cell.
 * Written `service` or `az:<zone name>`, e.g. `az:us-east-1a`.
 */
export type Scope = 'service' | `az:${string}`;

/** The service-wide scope. */
export const SERVICE_SCOPE: Scope = 'service';

/** Is `text` a valid scope (`service` or `az:<name>`)? */
export function isScope(text: unknown): text is Scope {
  return text === 'service' || (typeof text === 'string' && /^az:[a-z0-9-]+$/.test(text));
}

/** A scope where one is stored (incident log) or configured (incident alarms): {@link isScope}. */
export const scopeSchema = z.custom<Scope>(isScope, { error: 'scope must be "service" or "az:<zone name>"' });

/** The scope of one AZ's cell. */
export function azScope(az: string): Scope {
  return `az:${az}`;
}

/**
 * One incident, as the availability math consumes it (the incident log folds its open/close
 * records into these). Times are milliseconds since the Unix epoch.
 */
export interface Incident {
  /** Stable identity: the same open record always yields the same id. */
  readonly id: string;
  readonly scope: Scope;
  /** Why it opened, e.g. `sli:requests`, `sli:probes`, `alarm:<alarm name>`. */
  readonly cause: string;
  /** When the impairment began (the first bad period), which is when the outage counts from. */
  readonly startedAtMs: number;
  /**
   * When Bulkhead noticed it (the open record was written, or the alarm fired). MTTD is
   * `detectedAtMs - startedAtMs`; the incident log guarantees `detectedAtMs >= startedAtMs`.
   */
  readonly detectedAtMs: number;
  /** When the impairment ended; absent while the incident is still open. */
  readonly endedAtMs?: number;
  /** When the first automated action linked to this incident succeeded (time to mitigate). */
  readonly mitigatedAtMs?: number;
}
