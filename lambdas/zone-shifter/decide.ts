import { type AzHealth, median } from '../core/detection';
import type { FailoverPolicy } from '../core/failover-policy';
import {
  absorbingDesiredCounts,
  equalWeights,
  rampWeights,
  sameWeights,
  type WeightedCell,
  weightProblems,
} from '../core/weights';
import type { TargetGroupWeight } from '../ports/load-balancer';
import type { EvacuatedShift, RestoringShift, ShiftState, SteadyShift } from './shift-state';

/** One cell as the zone-shifter sees it. */
export interface ZoneShifterCell extends WeightedCell {
  readonly serviceName: string;
  readonly desiredCount: number;
  readonly runningCount: number;
  /** Detection's verdict; absent when no metric could be read (treated as unknown). */
  readonly health?: AzHealth;
  /** The cell's targets as DescribeTargetHealth reports them now; absent when it could not be read. */
  readonly targets?: CellTargets;
}

/** Counts of one cell's registered targets by state, as read this run. */
export interface CellTargets {
  readonly healthy: number;
  /** Targets still in their first health checks (a cell starting up, not one that lost its targets). */
  readonly initial: number;
  /** Every other registered target (unhealthy, unavailable, draining, unused). */
  readonly other: number;
}

/** Everything `decide` needs; gathered by the shell. */
export interface ZoneShifterInput {
  readonly nowMs: number;
  readonly cells: readonly ZoneShifterCell[];
  /** The listener's forward config as read now. */
  readonly listenerWeights: readonly TargetGroupWeight[];
  readonly shift: ShiftState;
  readonly policy: FailoverPolicy;
}

/** A desired-count change for one cell. */
export interface DesiredChange {
  readonly az: string;
  readonly serviceName: string;
  readonly desiredCount: number;
}

/** The listener differs from what Bulkhead expects (changed by hand, or by a lost write). */
export interface Drift {
  readonly expected: readonly TargetGroupWeight[];
  readonly actual: readonly TargetGroupWeight[];
}

interface Common {
  readonly reason: string;
  /** State to persist after acting (or, for `none`, right away, e.g. a renewed shift lease). */
  readonly next?: ShiftState;
  readonly drift?: Drift;
}

/** No traffic action. */
export interface NoneDecision extends Common {
  readonly kind: 'none';
  /**
   * While a shift is held: scale-ups it decided that a cell has not reached (a throttled or lost
   * UpdateService), to re-issue. Part of holding the same decision, not a new traffic action.
   */
  readonly converge?: readonly DesiredChange[];
}
/** Take `az` out: weight 0, the other cells scaled up to absorb its load. */
export interface EvacuateDecision extends Common {
  readonly kind: 'evacuate';
  readonly az: string;
  readonly weights: readonly TargetGroupWeight[];
  readonly scaleUps: readonly DesiredChange[];
  readonly next: EvacuatedShift;
}
/** Bring `az` back one ramp step; the last step also returns scaled-up cells to their counts. */
export interface RestoreDecision extends Common {
  readonly kind: 'restore';
  readonly az: string;
  /** Index into the policy's ramp. */
  readonly step: number;
  readonly percent: number;
  readonly weights: readonly TargetGroupWeight[];
  readonly scaleDowns: readonly DesiredChange[];
  readonly next: RestoringShift | SteadyShift;
}
/** Looks regional, or acting would breach capacity or fight an operator: tell a human, act not. */
export interface AlertOnlyDecision extends Common {
  readonly kind: 'alert-only';
  readonly azs?: readonly string[];
}
/** The listener was changed by hand and policy says to put back what Bulkhead expects. */
export interface CorrectDriftDecision extends Common {
  readonly kind: 'correct-drift';
  readonly weights: readonly TargetGroupWeight[];
  readonly drift: Drift;
}

/** The zone-shifter's decision. */
export type ZoneShifterDecision =
  | NoneDecision
  | EvacuateDecision
  | RestoreDecision
  | AlertOnlyDecision
  | CorrectDriftDecision;

/** The weights Bulkhead last wrote, according to the shift state. */
export function expectedWeights(
  cells: readonly WeightedCell[],
  shift: ShiftState,
  policy: FailoverPolicy,
): TargetGroupWeight[] {
  const equal = policy.zoneShift.equalWeight;
  if (shift.phase === 'evacuated') return rampWeights(cells, shift.az, shift.keepPercent ?? 0, equal);
  if (shift.phase === 'restoring') {
    const steps = policy.zoneShift.restoreStepsPercent;
    return rampWeights(cells, shift.az, steps[Math.min(shift.step, steps.length - 1)], equal);
  }
  return equalWeights(cells, equal);
}

const minutes = (ms: number): string => `${Math.round(ms / 1000)} s`;

function cooldownLeft(shift: ShiftState, nowMs: number, policy: FailoverPolicy): number {
  if (shift.lastActionAtMs === undefined) return 0;
  return Math.max(0, shift.lastActionAtMs + policy.zoneShift.cooldownMs - nowMs);
}

function statusOf(cell: ZoneShifterCell): AzHealth['status'] {
  return cell.health?.status ?? 'unknown';
}

/**
 * The cell should serve (desired > 0) but has no healthy target and none starting: the ALB fails
 * open and sends its whole share to targets that fail. An unambiguous loss, seen as soon as
 * target health says so, without waiting for M of N periods of outlier statistics.
 */
export function lostAllTargets(cell: ZoneShifterCell): boolean {
  const t = cell.targets;
  return t !== undefined && cell.desiredCount > 0 && t.healthy === 0 && t.initial === 0;
}

/** Impaired by detection (M of N), or with no healthy target right now. */
function looksBad(cell: ZoneShifterCell): boolean {
  return statusOf(cell) === 'impaired' || lostAllTargets(cell);
}

/**
 * A cell that still serves but lost capacity: fewer healthy targets than it wants, and at most
 * `capacityLossFraction` of the other cells' median (so a scale-out of every cell is no loss), none
 * starting. Returns the percent of the equal weight that matches its healthy capacity, so it is not
 * sent a full share it cannot serve; undefined otherwise.
 */
export function degradedPercent(
  cell: ZoneShifterCell,
  cells: readonly ZoneShifterCell[],
  policy: FailoverPolicy,
): number | undefined {
  const t = cell.targets;
  if (t === undefined || t.initial > 0 || t.healthy === 0 || t.healthy >= cell.desiredCount) return undefined;
  const othersMedian = median(
    cells.filter((c) => c.az !== cell.az && c.targets !== undefined).map((c) => c.targets!.healthy),
  );
  if (
    othersMedian === undefined ||
    othersMedian <= 0 ||
    t.healthy > policy.detection.capacityLossFraction * othersMedian
  )
    return undefined;
  return Math.max(1, Math.min(99, Math.floor((100 * t.healthy) / othersMedian)));
}

/** Still short of its own desired count with no target starting (a reduced shift is kept). */
function stillShort(cell: ZoneShifterCell): boolean {
  const t = cell.targets;
  return t !== undefined && t.initial === 0 && t.healthy < cell.desiredCount;
}

/** Index of the first ramp step that sends more than `keepPercent` (0 for a full evacuation). */
function firstStepAbove(policy: FailoverPolicy, keepPercent: number | undefined): number {
  const steps = policy.zoneShift.restoreStepsPercent;
  const i = steps.findIndex((p) => p > (keepPercent ?? 0));
  return i < 0 ? steps.length - 1 : i;
}

/**
 * True when the decision would take traffic further away from the AZ already shifted, to a full
 * evacuation of that same AZ: a reduced shift escalated, or a ramp back that relapsed. These are
 * the actions exempt from the cooldown: they only remove traffic from an AZ judged bad, so they
 * cannot flap traffic back in or chain across AZs, and waiting would keep sending requests to it.
 */
export function isEscalation(shift: ShiftState, az: string, keepPercent: number | undefined): boolean {
  if (shift.phase === 'steady' || shift.az !== az || keepPercent) return false;
  return shift.phase === 'restoring' || (shift.keepPercent ?? 0) > 0;
}

function badWhy(cell: ZoneShifterCell): string {
  if (statusOf(cell) === 'impaired') return cell.health?.why ?? 'no detail';
  const t = cell.targets;
  return `no healthy target (${t?.other ?? 0} registered, none healthy or starting): evacuating on target health without waiting for M of N`;
}

/**
 * Checks the rules for evacuating `az` and builds the decision. `base` carries the desired counts
 * to return to (kept from a first evacuation when a ramp relapses).
 */
function tryEvacuate(
  input: ZoneShifterInput,
  target: ZoneShifterCell,
  reason: string,
  base?: { restoreDesired: Readonly<Record<string, number>>; scaledTo: Readonly<Record<string, number>> },
  keepPercent?: number,
): ZoneShifterDecision {
  const { cells, policy, nowMs, shift } = input;
  const others = cells.filter((c) => c.az !== target.az);
  if (others.length === 0) {
    return {
      kind: 'alert-only',
      azs: [target.az],
      reason: `${target.az} is impaired but it is the only cell`,
    };
  }
  // "More than one AZ looks bad": another AZ crossing an absolute threshold, even without being an
  // outlier or reaching M of N, makes this look regional.
  const hot = others.filter(
    (c) =>
      (c.health?.badInWindow ?? 0) > 0 || (c.health?.overThresholdInWindow ?? 0) > 0 || lostAllTargets(c),
  );
  if (hot.length > 0) {
    return {
      kind: 'alert-only',
      azs: [target.az, ...hot.map((c) => c.az)],
      reason: `${target.az} is impaired but ${hot.map((c) => c.az).join(', ')} also crossed a threshold in the window: looks regional, not evacuating`,
    };
  }
  const unknown = others.filter((c) => statusOf(c) !== 'healthy');
  if (unknown.length > 0) {
    return {
      kind: 'alert-only',
      azs: [target.az],
      reason: `${target.az} is impaired but ${unknown.map((c) => c.az).join(', ')} cannot be confirmed healthy (missing data); not acting on a partial view`,
    };
  }
  // Escalating a reduced shift to a full evacuation of the SAME AZ only moves traffic further from
  // an AZ already judged bad: it cannot flap or chain across AZs, so the cooldown does not hold it.
  const wait = isEscalation(shift, target.az, keepPercent) ? 0 : cooldownLeft(shift, nowMs, policy);
  if (wait > 0)
    return { kind: 'none', reason: `${target.az} is impaired; cooldown for another ${minutes(wait)}` };
  const totalDesired = cells.reduce((sum, c) => sum + c.desiredCount, 0);
  const healthyRunning = others.reduce((sum, c) => sum + c.runningCount, 0);
  const needed = Math.ceil((totalDesired * policy.zoneShift.minHealthyCapacityPercent) / 100);
  if (healthyRunning < needed || healthyRunning === 0) {
    return {
      kind: 'alert-only',
      azs: [target.az],
      reason: `${target.az} is impaired but the other cells run ${healthyRunning} tasks, below the minimum healthy capacity of ${needed} (${policy.zoneShift.minHealthyCapacityPercent}% of ${totalDesired})`,
    };
  }
  const absorbing = absorbingDesiredCounts(others, totalDesired, policy.zoneShift.maxDesiredPerCell);
  const scaleUps = others
    .filter((c) => absorbing[c.az] > c.desiredCount)
    .map((c) => ({ az: c.az, serviceName: c.serviceName, desiredCount: absorbing[c.az] }));
  const restoreDesired =
    base?.restoreDesired ?? Object.fromEntries(others.map((c) => [c.az, c.desiredCount]));
  const scaledTo = {
    ...(base?.scaledTo ?? {}),
    ...Object.fromEntries(scaleUps.map((s) => [s.az, s.desiredCount])),
  };
  return {
    kind: 'evacuate',
    az: target.az,
    weights: rampWeights(cells, target.az, keepPercent ?? 0, policy.zoneShift.equalWeight),
    scaleUps,
    reason,
    next: {
      phase: 'evacuated',
      az: target.az,
      ...(keepPercent ? { keepPercent } : {}),
      revision: shift.revision + 1,
      lastActionAtMs: nowMs,
      evacuatedAtMs: nowMs,
      leaseExpiresAtMs: nowMs + policy.zoneShift.shiftLeaseTtlMs,
      detectionMs: target.health?.detectionMs ?? policy.detection.periodSeconds * 1000,
      restoreDesired,
      scaledTo,
    },
  };
}

/** The ramp step `step` for `shift`'s AZ; the last step returns the other cells to their counts. */
function restoreStep(
  input: ZoneShifterInput,
  shift: EvacuatedShift | RestoringShift,
  step: number,
  reason: string,
): RestoreDecision {
  const { cells, policy, nowMs } = input;
  const steps = policy.zoneShift.restoreStepsPercent;
  const percent = steps[step];
  const last = step >= steps.length - 1;
  const weights = rampWeights(cells, shift.az, percent, policy.zoneShift.equalWeight);
  const scaleDowns: DesiredChange[] = last
    ? cells.flatMap((c) => {
        const original = shift.restoreDesired[c.az];
        const ours = shift.scaledTo[c.az];
        // Only undo our own scale-up: a count changed since (autoscaling, an operator) is theirs.
        return original !== undefined && ours !== undefined && c.desiredCount === ours && original < ours
          ? [{ az: c.az, serviceName: c.serviceName, desiredCount: original }]
          : [];
      })
    : [];
  const common = { revision: shift.revision + 1, lastActionAtMs: nowMs };
  const next: RestoringShift | SteadyShift = last
    ? { phase: 'steady', ...common }
    : {
        phase: 'restoring',
        ...common,
        az: shift.az,
        step,
        stepAtMs: nowMs,
        restoreDesired: shift.restoreDesired,
        scaledTo: shift.scaledTo,
      };
  return { kind: 'restore', az: shift.az, step, percent, weights, scaleDowns, reason, next };
}

/** Several AZs in the same trouble: a regional event, so tell a human and do not act. */
function regionalAlert(cells: readonly ZoneShifterCell[], what: string, action: string): AlertOnlyDecision {
  const azs = cells.map((c) => c.az);
  return {
    kind: 'alert-only',
    azs,
    reason: `${azs.length} AZs ${what} (${azs.join(', ')}): regional event, not ${action}`,
  };
}

function decideSteady(input: ZoneShifterInput): ZoneShifterDecision {
  const impaired = input.cells.filter(looksBad);
  if (impaired.length > 1) return regionalAlert(impaired, 'look impaired', 'evacuating');
  if (impaired.length === 1) {
    const target = impaired[0];
    return tryEvacuate(input, target, `${target.az} impaired: ${badWhy(target)}`);
  }
  const degraded = input.cells.flatMap((cell) => {
    const keep = degradedPercent(cell, input.cells, input.policy);
    return keep === undefined ? [] : [{ cell, keep }];
  });
  if (degraded.length > 1) {
    return regionalAlert(
      degraded.map((d) => d.cell),
      'lost capacity',
      'shifting',
    );
  }
  if (degraded.length === 1) {
    const { cell: target, keep } = degraded[0];
    return tryEvacuate(
      input,
      target,
      `${target.az} lost capacity: ${target.targets?.healthy} healthy targets of ${target.desiredCount} desired; weight reduced to ${keep}% (its healthy share) and the other cells scaled up`,
      undefined,
      keep,
    );
  }
  const unknown = input.cells.filter((c) => statusOf(c) === 'unknown').map((c) => c.az);
  return {
    kind: 'none',
    reason: unknown.length
      ? `no AZ impaired; missing data for ${unknown.join(', ')}`
      : `all ${input.cells.length} AZs healthy`,
  };
}

/** The shifted AZ left the stack: nothing to restore; back to steady without an action. */
function forgetShift(shift: EvacuatedShift | RestoringShift, what: 'evacuated' | 'restoring'): NoneDecision {
  return {
    kind: 'none',
    reason: `${what} AZ ${shift.az} is no longer a cell of the stack; forgetting the shift`,
    next: { phase: 'steady', revision: shift.revision + 1, lastActionAtMs: shift.lastActionAtMs },
  };
}

/**
 * The scale-ups a held shift still needs: a healthy cell other than the shifted AZ whose desired
 * count is below the count the shift scaled it to (capped at maxDesiredPerCell). Only ever raises
 * a count, so it cannot breach the minimum healthy capacity.
 */
function pendingScaleUps(
  cells: readonly ZoneShifterCell[],
  shift: EvacuatedShift,
  policy: FailoverPolicy,
): DesiredChange[] {
  return cells.flatMap((c) => {
    const ours = shift.scaledTo[c.az];
    if (c.az === shift.az || ours === undefined || looksBad(c)) return [];
    const target = Math.min(ours, policy.zoneShift.maxDesiredPerCell);
    return c.desiredCount < target ? [{ az: c.az, serviceName: c.serviceName, desiredCount: target }] : [];
  });
}

/** Adds the held shift's pending scale-ups to a decision that holds it (kind none). */
function converging(
  input: ZoneShifterInput,
  shift: EvacuatedShift,
  decision: ZoneShifterDecision,
): ZoneShifterDecision {
  if (decision.kind !== 'none' || (decision.next && decision.next.phase !== 'evacuated')) return decision;
  const converge = pendingScaleUps(input.cells, shift, input.policy);
  if (converge.length === 0) return decision;
  const what = converge.map((c) => `${c.az} to ${c.desiredCount}`).join(', ');
  return {
    ...decision,
    converge,
    reason: `${decision.reason}; re-issuing the held shift's scale-up of ${what}`,
  };
}

function decideEvacuated(input: ZoneShifterInput, shift: EvacuatedShift): ZoneShifterDecision {
  return converging(input, shift, decideHeld(input, shift));
}

function decideHeld(input: ZoneShifterInput, shift: EvacuatedShift): ZoneShifterDecision {
  const { cells, policy, nowMs } = input;
  const target = cells.find((c) => c.az === shift.az);
  if (!target) return forgetShift(shift, 'evacuated');
  const otherImpaired = cells.filter((c) => c.az !== shift.az && looksBad(c));
  const status = lostAllTargets(target) ? 'impaired' : statusOf(target);
  if (otherImpaired.length > 0) {
    return {
      kind: 'alert-only',
      azs: [shift.az, ...otherImpaired.map((c) => c.az)],
      reason: `${otherImpaired.map((c) => c.az).join(', ')} impaired while ${shift.az} is evacuated: regional event, holding`,
    };
  }
  if (status === 'impaired' && shift.keepPercent) {
    // Held at a reduced weight, now impaired outright: take it out entirely.
    return tryEvacuate(
      input,
      target,
      `${shift.az} impaired while held at ${shift.keepPercent}%: ${badWhy(target)}`,
      shift,
    );
  }
  if (status === 'impaired') {
    return {
      kind: 'none',
      reason: `${shift.az} still impaired; evacuation lease renewed`,
      next: { ...shift, leaseExpiresAtMs: nowMs + policy.zoneShift.shiftLeaseTtlMs },
    };
  }
  if (shift.keepPercent && stillShort(target)) {
    return {
      kind: 'none',
      reason: `${shift.az} still short of capacity (${target.targets?.healthy} healthy of ${target.desiredCount}); shift lease renewed`,
      next: { ...shift, leaseExpiresAtMs: nowMs + policy.zoneShift.shiftLeaseTtlMs },
    };
  }
  const wait = cooldownLeft(shift, nowMs, policy);
  const first = firstStepAbove(policy, shift.keepPercent);
  if (nowMs >= shift.leaseExpiresAtMs) {
    if (wait > 0)
      return {
        kind: 'none',
        reason: `shift lease of ${shift.az} expired; cooldown for another ${minutes(wait)}`,
      };
    return restoreStep(
      input,
      shift,
      first,
      `shift lease of ${shift.az} expired without re-confirmation: ramping back`,
    );
  }
  const hold = Math.max(
    policy.zoneShift.minRecoveryHoldMs,
    policy.zoneShift.hysteresisFactor * shift.detectionMs,
  );
  if (status === 'unknown') {
    return { kind: 'none', reason: `${shift.az} evacuated; recovery cannot be confirmed (missing data)` };
  }
  const good = target.health?.goodForMs ?? 0;
  if (good < hold) {
    return {
      kind: 'none',
      reason: `${shift.az} recovering: healthy for ${minutes(good)} of the ${minutes(hold)} required`,
    };
  }
  if (wait > 0)
    return { kind: 'none', reason: `${shift.az} recovered; cooldown for another ${minutes(wait)}` };
  return restoreStep(
    input,
    shift,
    first,
    `${shift.az} healthy for ${minutes(good)} (≥ ${minutes(hold)}): ramping back`,
  );
}

function decideRestoring(input: ZoneShifterInput, shift: RestoringShift): ZoneShifterDecision {
  const { cells, policy, nowMs } = input;
  const target = cells.find((c) => c.az === shift.az);
  if (!target) return forgetShift(shift, 'restoring');
  const impaired = cells.filter(looksBad);
  if (impaired.length > 1 || (impaired.length === 1 && impaired[0].az !== shift.az)) {
    return {
      kind: 'alert-only',
      azs: impaired.map((c) => c.az),
      reason: `${impaired.map((c) => c.az).join(', ')} impaired while ${shift.az} ramps back: holding the ramp`,
    };
  }
  if (impaired.length === 1) {
    return tryEvacuate(input, target, `${shift.az} relapsed during the ramp: ${badWhy(target)}`, shift);
  }
  const steps = policy.zoneShift.restoreStepsPercent;
  const hold = Math.max(policy.zoneShift.restoreStepHoldMs, policy.zoneShift.cooldownMs);
  const held = nowMs - shift.stepAtMs;
  const wait = cooldownLeft(shift, nowMs, policy);
  // A step up needs a clean window: a bad period short of M of N, or missing evidence, is no
  // ground to send the AZ more traffic (the ramp's small share is the evidence being gathered).
  const bad = target.health?.badInWindow ?? 0;
  if (statusOf(target) !== 'healthy' || bad > 0) {
    return {
      kind: 'none',
      reason: `ramp of ${shift.az} at ${steps[shift.step]}% held: ${bad > 0 ? `${bad} bad period(s) in the window` : 'recovery cannot be confirmed (missing data)'}`,
    };
  }
  if (held < hold || wait > 0) {
    return {
      kind: 'none',
      reason: `ramp of ${shift.az} at ${steps[shift.step]}% held for ${minutes(held)} of ${minutes(Math.max(hold, held + wait))}`,
    };
  }
  const step = Math.min(shift.step + 1, steps.length - 1);
  return restoreStep(
    input,
    shift,
    step,
    `ramp of ${shift.az}: step ${step + 1} of ${steps.length} (${steps[step]}%)`,
  );
}

/** Finds a difference between the listener and what Bulkhead expects. */
export function findDrift(input: ZoneShifterInput): Drift | undefined {
  const expected = expectedWeights(input.cells, input.shift, input.policy);
  if (sameWeights(expected, input.listenerWeights)) return undefined;
  // In the steady state any equal non-zero weights mean the same traffic split (the stack deploys
  // weight 1 each, Bulkhead writes its equal weight): not drift.
  const actual = input.listenerWeights;
  const sameGroups =
    actual.length === input.cells.length &&
    input.cells.every((c) => actual.some((w) => w.targetGroupArn === c.targetGroupArn));
  const equalNonZero =
    actual.length > 0 && actual[0].weight > 0 && actual.every((w) => w.weight === actual[0].weight);
  if (input.shift.phase === 'steady' && sameGroups && equalNonZero) return undefined;
  return { expected, actual };
}

/**
 * The zone-shifter's pure core. Rules: at most one AZ evacuated; never when more than one AZ looks
 * bad; never below the minimum healthy capacity; a cooldown between actions (except taking the
 * shifted AZ fully out: a reduced shift escalated or a ramp that relapsed); a ramp steps up only on
 * a clean window; recovery must hold
 * longer than detection took; an evacuation is a lease that expires unless re-confirmed.
 */
export function decide(input: ZoneShifterInput): ZoneShifterDecision {
  const decision = decideUnchecked(input);
  if (decision.kind === 'none' || decision.kind === 'alert-only') return decision;
  // Last line of defence: whatever the state says, never hand the ALB a config it would reject
  // or that would send every request nowhere.
  const problems = weightProblems(decision.weights);
  if (problems.length > 0) {
    return {
      kind: 'alert-only',
      drift: decision.drift,
      reason: `refusing to write invalid weights (${problems.join('; ')}) for: ${decision.reason}`,
    };
  }
  return decision;
}

function decideUnchecked(input: ZoneShifterInput): ZoneShifterDecision {
  const drift = findDrift(input);
  if (drift && !input.policy.zoneShift.correctDrift) {
    return {
      kind: 'alert-only',
      drift,
      reason: 'listener weights were changed outside Bulkhead; standing back (policy correctDrift is false)',
    };
  }
  const decision =
    input.shift.phase === 'evacuated'
      ? decideEvacuated(input, input.shift)
      : input.shift.phase === 'restoring'
        ? decideRestoring(input, input.shift)
        : decideSteady(input);
  if (!drift) return decision;
  if (decision.kind === 'evacuate' || decision.kind === 'restore') return { ...decision, drift };
  const wait = cooldownLeft(input.shift, input.nowMs, input.policy);
  if (wait > 0) {
    return { ...decision, drift, reason: `${decision.reason}; listener drift correction waits for cooldown` };
  }
  return {
    kind: 'correct-drift',
    weights: drift.expected,
    drift,
    next: {
      ...(decision.next ?? input.shift),
      revision: input.shift.revision + 1,
      lastActionAtMs: input.nowMs,
    },
    reason: `listener weights were changed outside Bulkhead; rewriting the expected weights (${decision.reason})`,
  };
}
