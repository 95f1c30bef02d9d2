/**
 * The pause switch, pure: its key and format. Operators flip it with `bulkhead pause` / `bulkhead
 * resume`; every acting function reads it on every run and, while paused, decides and records but
 * makes no mutating call.
 */

/** Key of the pause switch in the state bucket. */
export const PAUSE_KEY = 'control/pause.json';

/** The stored switch. */
export interface PauseState {
  readonly paused: boolean;
  readonly reason?: string;
  readonly by?: string;
  readonly atMs?: number;
}

/**
 * Parses the stored switch. A missing object means "not paused". An object that cannot be read
 * means someone meant to say something: it reads as paused (fail safe), with the parse error.
 */
export function parsePauseState(body: Uint8Array | undefined): PauseState & { readonly error?: string } {
  if (body === undefined) return { paused: false };
  try {
    const value = JSON.parse(new TextDecoder().decode(body)) as Record<string, unknown>;
    if (typeof value !== 'object' || value === null || typeof value.paused !== 'boolean') {
      return { paused: true, error: 'pause switch has no boolean "paused" field' };
    }
    return {
      paused: value.paused,
      reason: typeof value.reason === 'string' ? value.reason : undefined,
      by: typeof value.by === 'string' ? value.by : undefined,
      atMs: typeof value.atMs === 'number' ? value.atMs : undefined,
    };
  } catch (error) {
    return { paused: true, error: `pause switch is not JSON: ${(error as Error).message}` };
  }
}

/** Serializes the switch. */
export function serializePauseState(state: PauseState): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(state, null, 2)}\n`);
}
