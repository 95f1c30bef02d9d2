import type { RunResult } from './runner';

/** One figure the issue asks the drill to show, as measured. */
export interface Claim {
  readonly claim: string;
  readonly measured: string;
  readonly pass: boolean;
}

const fmtS = (s: number | null) => (s === null ? 'never' : `${s} s`);

/** Guard default (failover issue): at most 10% of a cell's tasks, and at least one, per 5 minutes. */
export function guardLimit(tasks: number): number {
  return Math.max(1, Math.floor(tasks * 0.1));
}

/** Successful ModifyListener calls that took an AZ from a non-zero weight to 0. */
export function evacuations(run: RunResult): number {
  let n = 0;
  let previous: Record<string, number> | undefined;
  for (const a of run.actions) {
    if (a.api !== 'ModifyListener') continue;
    const weights = (a.params as { weights: { targetGroupArn: string; weight: number }[] }).weights;
    const now = Object.fromEntries(weights.map((w) => [w.targetGroupArn, w.weight]));
    const before = previous ?? Object.fromEntries(weights.map((w) => [w.targetGroupArn, 1]));
    if (weights.some((w) => w.weight === 0 && (before[w.targetGroupArn] ?? 1) > 0)) n++;
    previous = now;
  }
  return n;
}

/** The largest number of Bulkhead StopTask calls on one service within any 5-minute window. */
export function maxStopsPerWindow(run: RunResult, windowS = 300): number {
  const stops = run.actions.filter((a) => a.api === 'StopTask');
  let max = 0;
  for (const s of stops) {
    const inWindow = stops.filter((x) => x.t >= s.t && x.t < s.t + windowS && x.service === s.service);
    max = Math.max(max, inWindow.length);
  }
  return max;
}

/** Actions that repeat one already made: a second StopTask of one task, or a write that changes nothing. */
export function duplicateActions(run: RunResult): number {
  let dup = 0;
  const stopped = new Set<string>();
  let lastWrite = new Map<string, string>();
  for (const a of run.actions) {
    if (a.api === 'StopTask') {
      if (stopped.has(a.target)) dup++;
      stopped.add(a.target);
      continue;
    }
    const key = `${a.api} ${a.target}`;
    const value = JSON.stringify(a.params);
    if (lastWrite.get(key) === value) dup++;
    lastWrite = new Map(lastWrite).set(key, value);
  }
  return dup;
}

/** The issue's figures for one built-in scenario, measured on its Bulkhead and baseline runs. */
export function claimsFor(name: string, bulkhead: RunResult, baseline: RunResult): Claim[] {
  const claims = measureClaims(name, bulkhead, baseline);
  // A figure about a function that did not run proves nothing, even when it "holds" (0 evacuations
  // by an absent zone-shifter): it is reported as a miss, with the reason.
  const missing = (needs[name] ?? []).filter(
    (fn) => !bulkhead.integration.some((i) => i.function === fn && i.status === 'integrated'),
  );
  if (missing.length === 0) return claims;
  return claims.map((c) => ({
    claim: c.claim,
    measured: `not shown: ${missing.join(', ')} did not run in this drill (measured ${c.measured})`,
    pass: false,
  }));
}

/** Which functions each figure depends on. */
const needs: Record<string, readonly string[]> = {
  'az-gray-failure': ['zone-shifter', 'zonal-prober'],
  'az-gray-failure-alb': ['zone-shifter'],
  'az-outage': ['zone-shifter'],
  regional: ['zone-shifter'],
  'event-storm': ['task-replacer', 'zone-shifter'],
  'bad-deploy-crash-loop': ['task-replacer'],
  'data-loss': ['volume-backup'],
};

function measureClaims(name: string, bulkhead: RunResult, baseline: RunResult): Claim[] {
  const fb = bulkhead.figures;
  const f0 = baseline.figures;
  const failedRatio = f0.failedRequests === 0 ? null : fb.failedRequests / f0.failedRequests;
  const ratioText =
    failedRatio === null
      ? `${fb.failedRequests} vs 0`
      : `${fb.failedRequests} vs ${f0.failedRequests} (${(failedRatio * 100).toFixed(1)}%)`;
  switch (name) {
    case 'az-gray-failure': {
      const left = fb.trafficLeftAzS['us-east-1b'] ?? null;
      return [
        {
          claim: 'traffic leaves the sick AZ within 45 s (prober)',
          measured: fmtS(left),
          pass: left !== null && left <= 45,
        },
        {
          claim: "failed requests ≤ 10% of the baseline's",
          measured: ratioText,
          pass: failedRatio !== null && failedRatio <= 0.1,
        },
      ];
    }
    case 'az-gray-failure-alb': {
      // The issue's figures: "within 3 simulated minutes using ALB metrics, and within 45 s using
      // the prober. Failed requests are ≤ 10% of the baseline's" — the last for the default
      // config, which deploys the prober (az-gray-failure). Here the ratio is reported, not judged:
      // two one-minute ALB periods alone already let ~120 s of the fault through.
      const left = fb.trafficLeftAzS['us-east-1b'] ?? null;
      return [
        {
          claim: 'traffic leaves the sick AZ within 180 s (ALB metrics)',
          measured: `${fmtS(left)}; failed ${ratioText}, not judged (the ≤ 10% figure is the default config's, with the prober)`,
          pass: left !== null && left <= 180,
        },
      ];
    }
    case 'az-outage': {
      const fault = bulkhead.events.find((e) => e.kind === 'fault-start');
      const sick = fault?.az;
      const healthyFailed = bulkhead.timeline
        .filter((b) => fault && b.t >= fault.t)
        .reduce(
          (a, b) =>
            a +
            Object.entries(b.az)
              .filter(([az]) => az !== sick)
              .reduce((x, [, v]) => x + v.failed, 0),
          0,
        );
      const scaleUp = bulkhead.actions.find(
        (a) =>
          a.api === 'UpdateService' && (a.params as { desiredCount?: number }).desiredCount !== undefined,
      );
      return [
        {
          claim: 'healthy cells scaled up before they saturate',
          measured: `${scaleUp ? `scale-up at ${scaleUp.t} s` : 'no scale-up'}; ${healthyFailed} failed requests in the healthy AZs`,
          pass: scaleUp !== undefined && healthyFailed === 0,
        },
        {
          claim: "availability ≥ the baseline's",
          measured: `${pct(fb.availability)} vs ${pct(f0.availability)}`,
          pass: fb.availability >= f0.availability,
        },
      ];
    }
    case 'regional': {
      const n = evacuations(bulkhead);
      return [{ claim: '0 evacuations', measured: `${n}`, pass: n === 0 }];
    }
    case 'event-storm': {
      const stops = maxStopsPerWindow(bulkhead);
      const limit = guardLimit(bulkhead.tasksPerAz);
      const dup = duplicateActions(bulkhead);
      return [
        {
          claim: `stops ≤ the guard's limit (${limit} per service per 5 min)`,
          measured: `max ${stops}`,
          pass: stops <= limit,
        },
        {
          claim: 'each action happens once',
          measured: `${dup} duplicate action(s) of ${bulkhead.actions.length}`,
          pass: dup === 0,
        },
      ];
    }
    case 'bad-deploy-crash-loop': {
      const rollback = bulkhead.actions.find(
        (a) => a.api === 'UpdateService' && (a.params as { taskDefinition?: string }).taskDefinition,
      );
      const mttr = (f: typeof fb) =>
        f.mttrS === null ? 'none' : `${f.mttrS} s${f.mttrOpen ? ' (still open at the end)' : ''}`;
      return [
        {
          claim: 'rollback to the last good task definition',
          measured: rollback
            ? `UpdateService taskDefinition ${String(
                (rollback.params as { taskDefinition: string }).taskDefinition,
              )
                .split('/')
                .pop()} at ${rollback.t} s`
            : 'no rollback',
          pass:
            rollback !== undefined &&
            (rollback.params as { taskDefinition: string }).taskDefinition === bulkhead.startTaskDefinition,
        },
        {
          claim: "MTTR well under the baseline's (≤ 50%)",
          measured: `${mttr(fb)} vs ${mttr(f0)}`,
          pass: fb.mttrS !== null && f0.mttrS !== null && !fb.mttrOpen && fb.mttrS <= f0.mttrS * 0.5,
        },
      ];
    }
    case 'data-loss': {
      const v = bulkhead.volume;
      return [
        {
          claim: 'the deleted file is restored byte-identical',
          measured: v
            ? v.byteIdentical
              ? `restored, sha256 ${v.sha256After?.slice(0, 16)}… matches`
              : v.note
            : 'no volume',
          pass: v?.byteIdentical === true,
        },
      ];
    }
    default:
      return [];
  }
}

function pct(x: number): string {
  return `${(x * 100).toFixed(3)}%`;
}
