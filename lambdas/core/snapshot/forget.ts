import { KEYS } from './format';
import type { Repository } from './repository';
import { applyRetention, type RetentionDecision, type RetentionPolicy } from './retention';

/** What forget decided, per source (hostname + path). */
export interface ForgetResult {
  readonly groups: readonly {
    readonly source: string;
    readonly path: string;
    readonly decision: RetentionDecision;
  }[];
  readonly forgotten: readonly string[];
  readonly dryRun: boolean;
}

/**
 * Applies a retention policy to each source's snapshots separately and deletes the manifests it does
 * not keep. Data goes only with `prune`. The caller holds the lease.
 */
export async function runForget(
  repo: Repository,
  policy: RetentionPolicy,
  opts: { dryRun?: boolean } = {},
): Promise<ForgetResult> {
  const bySource = new Map<string, { path: string; items: { id: string; timeMs: number }[] }>();
  for (const s of await repo.listSnapshots()) {
    let group = bySource.get(s.manifest.source);
    if (!group) {
      group = { path: `${s.manifest.hostname}:${s.manifest.path}`, items: [] };
      bySource.set(s.manifest.source, group);
    }
    group.items.push({ id: s.id, timeMs: s.manifest.timeMs });
  }
  const groups = [...bySource].map(([source, g]) => ({
    source,
    path: g.path,
    decision: applyRetention(g.items, policy),
  }));
  const forgotten = groups.flatMap((g) => g.decision.forget);
  if (!opts.dryRun) for (const id of forgotten) await repo.store.delete(KEYS.snapshot(id));
  return { groups, forgotten, dryRun: opts.dryRun ?? false };
}
