import type { TargetGroupWeight } from '../ports/load-balancer';

/** ALB forward actions take at most this many target groups. */
export const MAX_TARGET_GROUPS = 5;
/** ALB target group weights range 0–999. */
export const MAX_WEIGHT = 999;

/** A cell as the weights math sees it. */
export interface WeightedCell {
  readonly az: string;
  readonly targetGroupArn: string;
}

/** Problems that would make ModifyListener reject (or blackhole) a forward config; empty when valid. */
export function weightProblems(weights: readonly TargetGroupWeight[]): string[] {
  const problems: string[] = [];
  if (weights.length === 0) problems.push('no target groups');
  if (weights.length > MAX_TARGET_GROUPS)
    problems.push(`${weights.length} target groups (max ${MAX_TARGET_GROUPS})`);
  const arns = new Set(weights.map((w) => w.targetGroupArn));
  if (arns.size !== weights.length) problems.push('duplicate target group');
  for (const w of weights) {
    if (!Number.isInteger(w.weight) || w.weight < 0 || w.weight > MAX_WEIGHT) {
      problems.push(`weight ${w.weight} of ${w.targetGroupArn} is not an integer in 0–${MAX_WEIGHT}`);
    }
  }
  if (weights.length > 0 && weights.every((w) => w.weight === 0)) problems.push('every weight is 0');
  return problems;
}

/** Every cell at the same weight: the steady state. */
export function equalWeights(cells: readonly WeightedCell[], equal: number): TargetGroupWeight[] {
  return cells.map((c) => ({ targetGroupArn: c.targetGroupArn, weight: equal }));
}

/** `az` at `percent` of the equal weight (0 evacuates; at least 1 otherwise), the others equal. */
export function rampWeights(
  cells: readonly WeightedCell[],
  az: string,
  percent: number,
  equal: number,
): TargetGroupWeight[] {
  const reduced = percent <= 0 ? 0 : Math.min(equal, Math.max(1, Math.round((equal * percent) / 100)));
  return cells.map((c) => ({ targetGroupArn: c.targetGroupArn, weight: c.az === az ? reduced : equal }));
}

/** Same target groups with the same weights, whatever the order. */
export function sameWeights(a: readonly TargetGroupWeight[], b: readonly TargetGroupWeight[]): boolean {
  if (a.length !== b.length) return false;
  const byArn = new Map(a.map((w) => [w.targetGroupArn, w.weight]));
  return b.every((w) => byArn.get(w.targetGroupArn) === w.weight);
}

/**
 * Desired counts for the healthy cells so that together they carry the whole service's desired
 * count: the total is spread evenly, no cell goes down, and none goes above `maxPerCell`.
 */
export function absorbingDesiredCounts(
  healthy: readonly { readonly az: string; readonly desiredCount: number }[],
  totalDesired: number,
  maxPerCell: number,
): Record<string, number> {
  if (healthy.length === 0) return {};
  const share = Math.ceil(totalDesired / healthy.length);
  return Object.fromEntries(
    healthy.map((c) => [c.az, Math.max(c.desiredCount, Math.min(maxPerCell, share))]),
  );
}
