import type { FailoverRuntimeConfig } from '../config/failover-runtime';
import {
  HEALTHY_TARGETS_METRIC,
  loadBalancerDimension,
  probePublishedDimensions,
  probePublishedTotalDimensions,
} from '../core/cell-metrics';
import { describeParseError, scheduledEventSchema } from '../core/failover-events';
import { foldProbeResults, type ProbeState, parseProbeState, probeStateKey } from '../core/probe-state';
import type { Clock } from '../ports/clock';
import type { HttpProbe, ProbeResult, Sleep } from '../ports/http-probe';
import type { LoadBalancer, TargetHealth } from '../ports/load-balancer';
import type { Log } from '../ports/log';
import type { MetricSink } from '../ports/metrics';
import type { ObjectStore } from '../ports/object-store';
import { errorText } from '../shell/failover-io';
import {
  healthyTargetCount,
  probesPerTargetFor,
  type RoundSummary,
  roundOutcomes,
  summarizeRound,
  targetsToProbe,
  totalOfRound,
} from './decide';

/** Ports and config of the zonal prober. */
export interface ZonalProberDeps {
  readonly loadBalancer: LoadBalancer;
  readonly probe: HttpProbe;
  /** High-resolution on AWS (EMF with StorageResolution 1), so alarms can use 10 s periods. */
  readonly metrics: MetricSink;
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly log: Log;
  readonly config: FailoverRuntimeConfig;
}

/** What one invocation did. */
export interface ZonalProberResult {
  readonly rounds: number;
  /** The last round's summary per AZ. */
  readonly lastRound: Readonly<Record<string, RoundSummary>>;
  readonly errors: readonly string[];
}

/** The Lambda runtime context, as far as the prober uses it. */
export interface ProberContext {
  getRemainingTimeInMillis(): number;
}

/** Runs once a minute and probes every `probeIntervalSeconds` until the minute is used up. */
export function createZonalProberHandler(deps: ZonalProberDeps) {
  const { config, log, clock } = deps;
  const loadBalancer = loadBalancerDimension(config.listenerArn);
  const intervalMs = config.probeIntervalSeconds * 1000;
  const roundsPerRun = Math.max(1, Math.floor(60_000 / intervalMs));

  // Several probes per target and round: the fast path pools two rounds, and a 25% gray failure
  // needs a few dozen probes per AZ to be a significant outlier (see DetectionPolicy).
  async function probeAz(targets: readonly TargetHealth[]) {
    const probed = targetsToProbe(targets);
    return Promise.all(
      Array.from({ length: probesPerTargetFor(probed.length, config.probesPerTarget) }, () => probed)
        .flat()
        .map(async (t) => {
          let result: ProbeResult;
          try {
            result = await deps.probe.probe(t.id, t.port, config.healthPath, config.probeTimeoutMs);
          } catch (error) {
            result = { ok: false, latencyMs: config.probeTimeoutMs, error: errorText(error) };
          }
          return { target: t.id, result };
        }),
    );
  }

  /** The round's totals over every AZ: the alarms' "other AZs" are these minus the AZ's own. */
  function publishTotals(summaries: readonly RoundSummary[]) {
    const total = totalOfRound(summaries);
    if (total.probes === 0) return;
    const dims = probePublishedTotalDimensions(loadBalancer);
    deps.metrics.put('ProbeCount', total.probes, 'Count', dims);
    deps.metrics.put('ProbeFailures', total.failures, 'Count', dims);
    deps.metrics.put('ProbeLatency', total.meanLatencyMs, 'Milliseconds', dims);
  }

  return async function zonalProberHandler(
    event: unknown,
    context?: ProberContext,
  ): Promise<ZonalProberResult> {
    const parsed = scheduledEventSchema.safeParse(event);
    if (!parsed.success) {
      const error = `malformed event ignored: ${describeParseError(parsed.error)}`;
      log.error(error);
      return { rounds: 0, lastRound: {}, errors: [error] };
    }
    const errors: string[] = [];
    const targetsByAz = new Map<string, TargetHealth[]>();
    // Re-read every round: the healthy-target count is the 10-s signal of a cell losing its targets.
    // A failed read keeps the last list for probing and publishes no count for that round.
    const readTargets = async (cell: (typeof config.cells)[number]): Promise<boolean> => {
      try {
        targetsByAz.set(cell.az, await deps.loadBalancer.describeTargetHealth(cell.targetGroupArn));
        return true;
      } catch (error) {
        const text = `DescribeTargetHealth failed for ${cell.az}: ${errorText(error)}`;
        log.error(text);
        errors.push(text);
        return false;
      }
    };
    const fresh = new Map<string, boolean>();
    const states = new Map<string, ProbeState | undefined>();
    await Promise.all(
      config.cells.map(async (cell) => {
        fresh.set(cell.az, await readTargets(cell));
        try {
          states.set(cell.az, parseProbeState((await deps.store.get(probeStateKey(cell.az)))?.body));
        } catch (error) {
          log.warn('probe state unreadable; starting afresh', { az: cell.az, error: errorText(error) });
        }
      }),
    );

    const startedMs = clock.nowMs();
    const lastRound: Record<string, RoundSummary> = {};
    // Targets that failed at least once in this run: a gray failure fails some requests on every
    // target, rarely all in the same round, so "targets affected" accumulates over the run.
    const failedInRun = new Map<string, Set<string>>(config.cells.map((c) => [c.az, new Set<string>()]));
    let rounds = 0;
    for (let round = 0; round < roundsPerRun; round++) {
      if (context && context.getRemainingTimeInMillis() < config.probeTimeoutMs + 2_000) break;
      const roundSummaries: Record<string, RoundSummary> = {};
      await Promise.all(
        config.cells.map(async (cell) => {
          if (round > 0) fresh.set(cell.az, await readTargets(cell));
          const targets = targetsByAz.get(cell.az);
          if (!targets) return;
          const results = await probeAz(targets);
          const summary = summarizeRound(results);
          lastRound[cell.az] = summary;
          roundSummaries[cell.az] = summary;
          const failing = failedInRun.get(cell.az)!;
          // A slow target is affected too: a latency-only gray failure fails no probe.
          const slowMs = config.policy.detection.probeLatencyThresholdMs;
          for (const r of results) if (!r.result.ok || r.result.latencyMs >= slowMs) failing.add(r.target);
          // Powertools adds `service` (PROBER_SERVICE); readers query probeDimensions().
          const dims = probePublishedDimensions(loadBalancer, cell.az);
          deps.metrics.put('ProbeCount', summary.probes, 'Count', dims);
          deps.metrics.put('ProbeFailures', summary.failures, 'Count', dims);
          deps.metrics.put('ProbeFailedTargets', failing.size, 'Count', dims);
          deps.metrics.put('ProbeSuccessRate', summary.successRate, 'Percent', dims);
          deps.metrics.put('ProbeLatency', summary.meanLatencyMs, 'Milliseconds', dims);
          if (fresh.get(cell.az))
            deps.metrics.put(HEALTHY_TARGETS_METRIC, healthyTargetCount(targets), 'Count', dims);
          states.set(cell.az, foldProbeResults(states.get(cell.az), roundOutcomes(results), clock.nowMs()));
          if (summary.failures > 0) {
            log.warn('probes failed', {
              az: cell.az,
              failures: results.filter((r) => !r.result.ok).map((r) => ({ target: r.target, ...r.result })),
            });
          }
        }),
      );
      publishTotals(Object.values(roundSummaries));
      deps.metrics.flush();
      rounds++;
      if (round < roundsPerRun - 1) {
        const nextAt = startedMs + (round + 1) * intervalMs;
        await deps.sleep(nextAt - clock.nowMs());
      }
    }

    await Promise.all(
      config.cells.map(async (cell) => {
        const state = states.get(cell.az);
        if (!state || !targetsByAz.has(cell.az)) return;
        try {
          await deps.store.put(probeStateKey(cell.az), new TextEncoder().encode(JSON.stringify(state)), {
            contentType: 'application/json',
          });
        } catch (error) {
          const text = `probe state of ${cell.az} not saved: ${errorText(error)}`;
          log.error(text);
          errors.push(text);
        }
      }),
    );
    log.info('probe rounds done', { rounds, lastRound });
    return { rounds, lastRound, errors };
  };
}
