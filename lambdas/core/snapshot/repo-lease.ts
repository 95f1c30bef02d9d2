import type { ObjectStore } from '../../ports/object-store';
import {
  acquireLease,
  breakLease,
  type HeldLease,
  type LeaseRecord,
  releaseLease,
  renewLease,
} from '../lease';
import { KEYS } from './format';

/** Another backup, forget or prune holds the repository. */
export class LeaseHeldError extends Error {
  constructor(readonly heldBy: LeaseRecord) {
    super(
      `repository is locked by ${heldBy.holder} until ${new Date(heldBy.expiresAtMs).toISOString()}: another backup, forget or prune is running (a lease left by a killed run expires by itself)`,
    );
    this.name = 'LeaseHeldError';
  }
}

/** Options of {@link withRepositoryLease}. */
export interface RepoLeaseOptions {
  readonly holder: string;
  /** Must be shorter than the Lambda timeout, so a killed run's lease expires before the next run. */
  readonly ttlMs: number;
  readonly nowMs: () => number;
  /** How long to wait for a held lease before failing. @default 0 (fail at once) */
  readonly waitMs?: number;
  /**
   * Tells whether a holder is known dead (the CLI: same host, process gone), so its lease is broken
   * at once instead of waiting out the TTL. @default nobody is known dead
   */
  readonly isHolderDead?: (holder: string) => boolean;
  /** Injected so tests and drills control time. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs `fn` holding the repository lease. `fn` gets a heartbeat that renews the lease once a third of
 * its TTL has passed (cheap to call often). The lease is released afterwards, even on failure.
 */
export async function withRepositoryLease<T>(
  store: ObjectStore,
  opts: RepoLeaseOptions,
  fn: (heartbeat: () => Promise<void>) => Promise<T>,
): Promise<T> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = opts.nowMs() + (opts.waitMs ?? 0);
  let lease: HeldLease;
  for (;;) {
    const attempt = await acquireLease(store, KEYS.lock, opts.holder, opts.ttlMs, opts.nowMs());
    if (attempt.ok) {
      lease = attempt.lease;
      break;
    }
    if (opts.isHolderDead?.(attempt.heldBy.holder)) {
      await breakLease(store, KEYS.lock, attempt.heldBy.holder);
      continue;
    }
    const now = opts.nowMs();
    if (now >= deadline) throw new LeaseHeldError(attempt.heldBy);
    await sleep(Math.max(10, Math.min(1000, deadline - now, attempt.heldBy.expiresAtMs - now)));
  }
  let renewing: Promise<void> | undefined;
  const heartbeat = async () => {
    if (renewing) return renewing;
    if (opts.nowMs() - lease.record.expiresAtMs + opts.ttlMs < opts.ttlMs / 3) return;
    renewing = renewLease(store, lease, opts.ttlMs, opts.nowMs())
      .then((next) => {
        lease = next;
      })
      .finally(() => {
        renewing = undefined;
      });
    return renewing;
  };
  try {
    return await fn(heartbeat);
  } finally {
    await releaseLease(store, lease).catch(() => undefined);
  }
}
