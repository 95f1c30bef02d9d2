/**
 * The prober's per-target memory, pure: consecutive failed probes per target IP of one AZ, kept in
 * the state bucket so the task-replacer can stop a task ELB calls healthy but the prober sees failing.
 */

/** Key of one AZ's probe state. */
export function probeStateKey(az: string): string {
  return `control/probes/${az.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
}

/** One AZ's probe state. */
export interface ProbeState {
  readonly atMs: number;
  /** Consecutive failed probes per target IP (0 after a success). */
  readonly consecutiveFailures: Readonly<Record<string, number>>;
}

/** Parses a stored probe state; `undefined` when absent or unreadable. */
export function parseProbeState(body: Uint8Array | undefined): ProbeState | undefined {
  if (!body) return undefined;
  try {
    const v = JSON.parse(new TextDecoder().decode(body)) as Partial<ProbeState>;
    if (
      typeof v.atMs !== 'number' ||
      typeof v.consecutiveFailures !== 'object' ||
      v.consecutiveFailures === null
    ) {
      return undefined;
    }
    return { atMs: v.atMs, consecutiveFailures: v.consecutiveFailures };
  } catch {
    return undefined;
  }
}

/**
 * Folds one round of results into the state: a failure increments, a success resets, and targets
 * no longer registered are forgotten.
 */
export function foldProbeResults(
  previous: ProbeState | undefined,
  results: readonly { readonly ip: string; readonly ok: boolean }[],
  atMs: number,
): ProbeState {
  const consecutiveFailures: Record<string, number> = {};
  for (const r of results) {
    consecutiveFailures[r.ip] = r.ok ? 0 : (previous?.consecutiveFailures[r.ip] ?? 0) + 1;
  }
  return { atMs, consecutiveFailures };
}
