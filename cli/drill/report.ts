import { DEFAULT_TIMING } from '../../lambdas/adapters/sim/timing';
import { type Claim, claimsFor } from './claims';
import {
  computeFigures,
  INCIDENT_ERROR_RATE,
  INCIDENT_MERGE_GAP_S,
  LEFT_AZ_SHARE,
  LEFT_AZ_SUSTAIN_S,
} from './figures';
import type { RunResult } from './runner';
import type { Scenario } from './scenario';
import { BUCKET_S } from './timeline';

/** One scenario's pair of runs. */
export interface ScenarioReport {
  readonly name: string;
  readonly description: string;
  readonly scenario: Scenario;
  readonly bulkhead: RunResult;
  /** The plain-ECS baseline with the same seed (absent in live drills: there is no live baseline). */
  readonly baseline?: RunResult;
  /** The figures for this scenario, measured (empty for scenarios without one). */
  readonly claims: readonly Claim[];
}

/** The machine-readable drill report. Deterministic: the same seed gives the same bytes. */
export interface DrillReport {
  readonly kind: 'bulkhead-drill-report';
  readonly version: 1;
  readonly seed: number;
  readonly mode: 'simulated' | 'live';
  /** How every figure is computed from `timeline` and `events` (see cli/drill/figures.ts). */
  readonly definitions: Readonly<Record<string, string | number>>;
  /** The simulated region's timings (sources in lambdas/adapters/sim/timing.ts). */
  readonly timing: typeof DEFAULT_TIMING;
  readonly scenarios: readonly ScenarioReport[];
}

/** Assembles the report from runs. */
export function buildReport(
  seed: number,
  pairs: readonly { scenario: Scenario; bulkhead: RunResult; baseline?: RunResult }[],
  mode: 'simulated' | 'live' = 'simulated',
): DrillReport {
  return {
    kind: 'bulkhead-drill-report',
    version: 1,
    seed,
    mode,
    definitions: {
      bucketS: BUCKET_S,
      incidentErrorRate: INCIDENT_ERROR_RATE,
      incidentMergeGapS: INCIDENT_MERGE_GAP_S,
      leftAzShare: LEFT_AZ_SHARE,
      leftAzSustainS: LEFT_AZ_SUSTAIN_S,
      availability: '1 − Σ timeline[].failed / Σ timeline[].requests',
      incidents: `maximal runs of buckets with failed/requests > incidentErrorRate; runs ≤ incidentMergeGapS apart merge; open if running at the end`,
      mttrS: 'mean of incident durations (endS − startS); a lower bound when an incident is open',
      detectionS: "first event of kind 'detected' at or after the first 'fault-start', minus that fault's t",
      mitigationS:
        "first event of kind 'action' (any actor) at or after the first 'fault-start', minus its t",
      bulkheadActionS: "first 'action' by a Bulkhead function (actor not scenario/alb/ecs/cloudwatch/drill)",
      trafficLeftAzS:
        'first bucket end after a zonal fault from which the AZ gets < leftAzShare of requests for leftAzSustainS',
      blastRadius: 'peak bucket failed/requests, and the AZs with any failed request',
    },
    timing: DEFAULT_TIMING,
    scenarios: pairs.map((p) => ({
      name: p.scenario.name,
      description: p.scenario.description,
      scenario: p.scenario,
      bulkhead: p.bulkhead,
      ...(p.baseline ? { baseline: p.baseline } : {}),
      claims: p.baseline ? claimsFor(p.scenario.name, p.bulkhead, p.baseline) : [],
    })),
  };
}

/** Re-derives every run's figures from its own timeline and events; true when they all agree. */
export function figuresAgree(report: DrillReport): boolean {
  return report.scenarios.every((s) =>
    [s.bulkhead, ...(s.baseline ? [s.baseline] : [])].every(
      (r) => JSON.stringify(computeFigures(r.timeline, r.events)) === JSON.stringify(r.figures),
    ),
  );
}
