/**
 * The zone-shifter's memory between runs, one small object in the state bucket. The listener is
 * the truth for weights; this records what Bulkhead last wrote and why, the shift lease's expiry,
 * the ramp's progress, and the desired counts to return to.
 */

/** Key of the shift state in the state bucket. */
export const SHIFT_STATE_KEY = 'control/shift.json';

/** Key of the zone-shifter's run lease (serializes runs). */
export const ZONE_SHIFTER_LEASE_KEY = 'leases/zone-shifter.json';

interface ShiftBase {
  /** Incremented by every action; the basis of decision idempotency keys. */
  readonly revision: number;
  /** When the last action (evacuate or restore step) was taken. */
  readonly lastActionAtMs?: number;
}

/** No AZ is shifted. */
export interface SteadyShift extends ShiftBase {
  readonly phase: 'steady';
}

/** One AZ is evacuated (weight 0), or held at a reduced weight after losing capacity. */
export interface EvacuatedShift extends ShiftBase {
  readonly phase: 'evacuated';
  readonly az: string;
  /**
   * Percent of the equal weight the AZ keeps: its share of healthy capacity when it lost tasks but
   * still serves. Absent (or 0): weight 0.
   */
  readonly keepPercent?: number;
  readonly evacuatedAtMs: number;
  /** The shift lease: unless a run re-confirms the impairment by then, the AZ is restored. */
  readonly leaseExpiresAtMs: number;
  /** How long detection took; recovery must hold longer (hysteresis). */
  readonly detectionMs: number;
  /** Desired counts of the other cells before the scale-ups, to return to after the ramp. */
  readonly restoreDesired: Readonly<Record<string, number>>;
  /** Desired counts the scale-ups set. */
  readonly scaledTo: Readonly<Record<string, number>>;
}

/** One AZ is ramping back: step `step` of the policy's ramp is in force since `stepAtMs`. */
export interface RestoringShift extends ShiftBase {
  readonly phase: 'restoring';
  readonly az: string;
  readonly step: number;
  readonly stepAtMs: number;
  readonly restoreDesired: Readonly<Record<string, number>>;
  readonly scaledTo: Readonly<Record<string, number>>;
}

/** The shift state. */
export type ShiftState = SteadyShift | EvacuatedShift | RestoringShift;

/** The state before any action. */
export const INITIAL_SHIFT: SteadyShift = { phase: 'steady', revision: 0 };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isCounts = (v: unknown): v is Record<string, number> =>
  isRecord(v) && Object.values(v).every((n) => typeof n === 'number');

/** Parses a stored shift state; `undefined` when absent, an error string when unreadable. */
export function parseShiftState(
  body: Uint8Array | undefined,
): ShiftState | { readonly error: string } | undefined {
  if (body === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(body));
  } catch (error) {
    return { error: `shift state is not JSON: ${(error as Error).message}` };
  }
  if (!isRecord(v) || typeof v.revision !== 'number') return { error: 'shift state has no revision' };
  const last = typeof v.lastActionAtMs === 'number' ? v.lastActionAtMs : undefined;
  if (v.phase === 'steady') return { phase: 'steady', revision: v.revision, lastActionAtMs: last };
  // Evacuated and restoring shifts share the AZ and the desired counts to return to.
  const shifted =
    typeof v.az === 'string' && isCounts(v.restoreDesired) && isCounts(v.scaledTo)
      ? {
          revision: v.revision,
          lastActionAtMs: last,
          az: v.az,
          restoreDesired: v.restoreDesired,
          scaledTo: v.scaledTo,
        }
      : undefined;
  if (
    shifted &&
    v.phase === 'evacuated' &&
    typeof v.evacuatedAtMs === 'number' &&
    typeof v.leaseExpiresAtMs === 'number' &&
    typeof v.detectionMs === 'number'
  ) {
    return {
      phase: 'evacuated',
      ...shifted,
      ...(typeof v.keepPercent === 'number' && v.keepPercent > 0 && v.keepPercent < 100
        ? { keepPercent: v.keepPercent }
        : {}),
      evacuatedAtMs: v.evacuatedAtMs,
      leaseExpiresAtMs: v.leaseExpiresAtMs,
      detectionMs: v.detectionMs,
    };
  }
  if (shifted && v.phase === 'restoring' && typeof v.step === 'number' && typeof v.stepAtMs === 'number') {
    return { phase: 'restoring', ...shifted, step: v.step, stepAtMs: v.stepAtMs };
  }
  return { error: `shift state has an unknown or incomplete phase ${JSON.stringify(v.phase)}` };
}

/** Serializes a shift state. */
export function serializeShiftState(state: ShiftState): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(state));
}
