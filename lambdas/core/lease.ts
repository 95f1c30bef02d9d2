import { type ObjectStore, PreconditionFailedError } from '../ports/object-store';

/**
 * A mutual-exclusion lease held as one object, taken and renewed with S3 conditional writes.
 * It serializes zone-shifter runs and backup runs without a database. A holder that dies leaves
 * a lease that simply expires after its TTL.
 */
export interface LeaseRecord {
  readonly holder: string;
  readonly acquiredAtMs: number;
  readonly expiresAtMs: number;
}

/** The outcome of trying to take a lease. */
export type LeaseAttempt =
  | { readonly ok: true; readonly lease: HeldLease }
  | { readonly ok: false; readonly heldBy: LeaseRecord };

/** A lease this process holds; renew it before it expires, release it when done. */
export interface HeldLease {
  readonly key: string;
  readonly record: LeaseRecord;
  readonly etag: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Pure: is a lease record still in force at `nowMs`? */
export function isLeaseLive(record: LeaseRecord, nowMs: number): boolean {
  return record.expiresAtMs > nowMs;
}

function parseRecord(body: Uint8Array): LeaseRecord | undefined {
  try {
    const value = JSON.parse(decoder.decode(body)) as Partial<LeaseRecord>;
    if (typeof value.holder === 'string' && typeof value.expiresAtMs === 'number') {
      return { holder: value.holder, acquiredAtMs: value.acquiredAtMs ?? 0, expiresAtMs: value.expiresAtMs };
    }
  } catch {
    // An unreadable lease is treated as expired below: it cannot be honoured and must not wedge every run.
  }
  return undefined;
}

/**
 * Takes the lease at `key` for `holder` for `ttlMs`, unless another holder's lease is live.
 * Creation uses If-None-Match: *, takeover of an expired lease uses If-Match on its ETag, so two
 * contenders can never both win.
 */
export async function acquireLease(
  store: ObjectStore,
  key: string,
  holder: string,
  ttlMs: number,
  nowMs: number,
): Promise<LeaseAttempt> {
  const record: LeaseRecord = { holder, acquiredAtMs: nowMs, expiresAtMs: nowMs + ttlMs };
  const body = encoder.encode(JSON.stringify(record));
  const current = await store.get(key);
  try {
    if (!current) {
      const { etag } = await store.put(key, body, { ifNoneMatch: '*', contentType: 'application/json' });
      return { ok: true, lease: { key, record, etag } };
    }
    const existing = parseRecord(current.body);
    if (existing && isLeaseLive(existing, nowMs) && existing.holder !== holder) {
      return { ok: false, heldBy: existing };
    }
    const { etag } = await store.put(key, body, { ifMatch: current.etag, contentType: 'application/json' });
    return { ok: true, lease: { key, record, etag } };
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
    const winner = await store.get(key);
    const heldBy = (winner && parseRecord(winner.body)) ?? {
      holder: 'unknown',
      acquiredAtMs: nowMs,
      expiresAtMs: nowMs + ttlMs,
    };
    return { ok: false, heldBy };
  }
}

/** Extends a held lease; fails with PreconditionFailedError if it was lost to another holder. */
export async function renewLease(
  store: ObjectStore,
  lease: HeldLease,
  ttlMs: number,
  nowMs: number,
): Promise<HeldLease> {
  const record: LeaseRecord = { ...lease.record, expiresAtMs: nowMs + ttlMs };
  const { etag } = await store.put(lease.key, encoder.encode(JSON.stringify(record)), {
    ifMatch: lease.etag,
    contentType: 'application/json',
  });
  return { key: lease.key, record, etag };
}

/**
 * Gives a lease up. Only deletes when the lease is still ours (its ETag is unchanged); S3 has no
 * conditional delete on every backend, so a lost race here leaves a lease that expires by TTL.
 */
export async function releaseLease(store: ObjectStore, lease: HeldLease): Promise<void> {
  const current = await store.head(lease.key);
  if (current?.etag === lease.etag) await store.delete(lease.key);
}

/**
 * Marks a known-dead holder's lease at `key` expired, with If-Match so a lease someone else just took
 * is untouched; the next {@link acquireLease} then takes it over.
 */
export async function breakLease(store: ObjectStore, key: string, holder: string): Promise<void> {
  const current = await store.get(key);
  if (!current) return;
  const record = parseRecord(current.body);
  if (record?.holder !== holder) return;
  const expired: LeaseRecord = { ...record, expiresAtMs: 0 };
  await store.put(key, encoder.encode(JSON.stringify(expired)), { ifMatch: current.etag }).catch((error) => {
    if (!(error instanceof PreconditionFailedError)) throw error;
  });
}
