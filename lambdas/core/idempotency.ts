/**
 * Idempotency keys, pure. A run first claims its event ID (an EventBridge redelivery keeps the ID),
 * then claims its decision (two alarms for the same impairment yield the same decision key), each
 * with an If-None-Match write, so neither a redelivery nor a duplicate alarm can act twice.
 */

/** Prefix of idempotency markers in the state bucket. */
export const IDEMPOTENCY_PREFIX = 'control/idempotency/';

/** 64-bit FNV-1a as 16 hex digits: short, stable keys without a crypto import. */
export function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const bytes = new TextEncoder().encode(text);
  for (const byte of bytes) {
    hash ^= BigInt(byte);
    hash = (hash * prime) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

function safe(part: string): string {
  return part.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 128);
}

/** Marker key of one triggering event of one function. */
export function eventMarkerKey(fn: string, eventId: string): string {
  return `${IDEMPOTENCY_PREFIX}${safe(fn)}/event/${safe(eventId)}-${fnv1a64(eventId).slice(0, 8)}.json`;
}

/**
 * Marker key of one decision: the same decision taken from the same basis (the state it changes)
 * maps to the same key, whatever event led to it.
 */
export function decisionMarkerKey(fn: string, parts: readonly (string | number)[]): string {
  return `${IDEMPOTENCY_PREFIX}${safe(fn)}/decision/${fnv1a64(parts.join('\u0000'))}.json`;
}

/** What a decision marker holds. `failed` and stale `in-progress` markers may be retried. */
export interface DecisionMarker {
  readonly status: 'in-progress' | 'done' | 'failed';
  readonly decisionId: string;
  readonly atMs: number;
}

/** Pure: may a decision whose marker reads `marker` be acted on (again) at `nowMs`? */
export function mayActOn(marker: DecisionMarker | undefined, nowMs: number, staleAfterMs: number): boolean {
  if (!marker) return true;
  if (marker.status === 'done') return false;
  if (marker.status === 'failed') return true;
  return nowMs - marker.atMs >= staleAfterMs;
}
