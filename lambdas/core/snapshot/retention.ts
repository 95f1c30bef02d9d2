/** How many snapshots to keep per rule (restic semantics: each rule keeps the newest snapshot of each of its last N periods). */
export interface RetentionPolicy {
  readonly last?: number;
  readonly hourly?: number;
  readonly daily?: number;
  readonly weekly?: number;
  readonly monthly?: number;
  readonly yearly?: number;
}

/** A snapshot as retention sees it. */
export interface RetentionItem {
  readonly id: string;
  readonly timeMs: number;
}

/** Why each kept snapshot is kept. */
export interface RetentionDecision {
  readonly keep: readonly { readonly id: string; readonly reasons: readonly string[] }[];
  readonly forget: readonly string[];
}

/** ISO week-numbering year and week of a UTC instant. */
function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${week}`;
}

const BUCKETS: readonly [keyof RetentionPolicy, (d: Date, id: string) => string][] = [
  ['last', (_d, id) => id],
  ['hourly', (d) => d.toISOString().slice(0, 13)],
  ['daily', (d) => d.toISOString().slice(0, 10)],
  ['weekly', isoWeek],
  ['monthly', (d) => d.toISOString().slice(0, 7)],
  ['yearly', (d) => d.toISOString().slice(0, 4)],
];

/**
 * Pure: decides which snapshots a policy keeps. Walking newest first, each rule keeps a snapshot when
 * it is the first one seen in a new period (hour, day, ISO week, month, year; `last` treats every
 * snapshot as its own period) until it has kept N. Periods are in UTC. An empty policy keeps all,
 * so a typo can never delete everything.
 */
export function applyRetention(items: readonly RetentionItem[], policy: RetentionPolicy): RetentionDecision {
  const active = BUCKETS.filter(([rule]) => (policy[rule] ?? 0) > 0);
  const sorted = [...items].sort((a, b) => b.timeMs - a.timeMs || (a.id < b.id ? -1 : 1));
  if (active.length === 0)
    return { keep: sorted.map((s) => ({ id: s.id, reasons: ['no policy'] })), forget: [] };
  const lastBucket = new Map<string, string>();
  const kept = new Map<string, number>();
  const keep: { id: string; reasons: string[] }[] = [];
  const forget: string[] = [];
  for (const s of sorted) {
    const d = new Date(s.timeMs);
    const reasons: string[] = [];
    for (const [rule, bucketOf] of active) {
      const bucket = bucketOf(d, s.id);
      if ((kept.get(rule) ?? 0) < (policy[rule] ?? 0) && lastBucket.get(rule) !== bucket) {
        lastBucket.set(rule, bucket);
        kept.set(rule, (kept.get(rule) ?? 0) + 1);
        reasons.push(rule);
      }
    }
    if (reasons.length > 0) keep.push({ id: s.id, reasons });
    else forget.push(s.id);
  }
  return { keep, forget };
}
