import type { ProbeResult } from '../ports/http-probe';
import type { TargetHealth } from '../ports/load-balancer';

/** Target states worth probing: registered and meant to serve (draining/unused ones are on their way out). */
const PROBED_STATES = new Set<TargetHealth['state']>(['healthy', 'unhealthy', 'initial', 'unavailable']);

/** Pure: the targets of a target group the prober should probe. */
export function targetsToProbe(targets: readonly TargetHealth[]): TargetHealth[] {
  return targets.filter((t) => PROBED_STATES.has(t.state));
}

/** One AZ's figures for one round, published as high-resolution metrics. */
export interface RoundSummary {
  readonly probes: number;
  readonly failures: number;
  /** Distinct targets with at least one failed probe this round. */
  readonly failedTargets: number;
  /** Percentage of probes that succeeded; 100 when there were no probes. */
  readonly successRate: number;
  /** Mean latency of the probes, successful or not (a timeout counts its full wait). */
  readonly meanLatencyMs: number;
}

/** Pure: summarizes one AZ's probe results of one round. */
export function summarizeRound(
  results: readonly { readonly target: string; readonly result: ProbeResult }[],
): RoundSummary {
  const probes = results.length;
  const failed = results.filter((r) => !r.result.ok);
  const latency = probes ? results.reduce((sum, r) => sum + r.result.latencyMs, 0) / probes : 0;
  return {
    probes,
    failures: failed.length,
    failedTargets: new Set(failed.map((r) => r.target)).size,
    successRate: probes ? ((probes - failed.length) * 100) / probes : 100,
    meanLatencyMs: latency,
  };
}

/** Pure: how many of a target group's targets the ALB reports healthy (what the cell can serve with). */
export function healthyTargetCount(targets: readonly TargetHealth[]): number {
  return targets.filter((t) => t.state === 'healthy').length;
}
