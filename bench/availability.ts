/**
 * One scheduled run of the real availability handler (5 AZs, 30 days of incidents, a day of audit
 * records per incident day, one-minute and hourly metric series), with in-memory ports, next to a
 * reference measured in the same run: the least work any implementation must do on the same input
 * (parse every stored record once and add up every metric datapoint once).
 *
 *   npx tsx bench/availability.ts [--runs 30]
 *
 * Figures are medians of `--runs` repetitions; "cold" builds a new handler each time (empty record
 * cache, as after a Lambda cold start), "warm" reuses one (the cache holds the immutable records).
 */
import { performance } from 'node:perf_hooks';
import { MemoryObjectStore } from '../lambdas/adapters/memory/memory-object-store';
import { createAvailabilityHandler } from '../lambdas/availability/function';
import { AVAILABILITY_DEFAULTS } from '../lambdas/config/availability';
import { availabilityRuntimeSchema, pickAvailabilitySettings } from '../lambdas/config/availability-runtime';
import { type AuditRecord, auditKey } from '../lambdas/core/audit-record';
import { appendIncidentEvent } from '../lambdas/core/incidents';
import { RecordingLog } from '../lambdas/ports/log';
import type { MetricQuery, MetricReader, MetricSeries } from '../lambdas/ports/metrics';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 30;
const MIN = 60_000;
const NOW = Date.UTC(2026, 10, 27, 12, 0, 30);
const AZS = ['a', 'b', 'c', 'd', 'f'].map((z) => `us-east-1${z}`);

const config = availabilityRuntimeSchema.parse({
  serviceName: 'web',
  loadBalancer: 'app/web/1',
  cells: AZS.map((az) => ({ az, targetGroup: `targetgroup/${az}/1` })),
  slo: 0.999,
  sloWindow: '30d',
  probeUrl: 'http://web/',
  ...pickAvailabilitySettings(AVAILABILITY_DEFAULTS),
  probeTimeoutMs: 100,
});

/** Synthetic series: every period has traffic, a few 5xx, and 3 probes. */
const reader: MetricReader = {
  async getMetricData(
    queries: readonly MetricQuery[],
    startMs: number,
    endMs: number,
  ): Promise<MetricSeries[]> {
    return queries.map((q) => {
      const step = q.periodSeconds * 1000;
      const points = [];
      for (let t = startMs; t < endMs; t += step) {
        const value =
          q.metricName.includes('5XX') || q.metricName.includes('Failures') ? 1 : 100 * (step / MIN);
        points.push({ timestampMs: t, value });
      }
      return { id: q.id, points };
    });
  },
};

async function seed(store: MemoryObjectStore): Promise<number> {
  let records = 0;
  // Two incidents a day for 30 days across the scopes, each with a day of audit records around it.
  for (let day = 0; day < 30; day++) {
    for (const k of [0, 1]) {
      const scope = k === 0 ? ('service' as const) : (`az:${AZS[day % AZS.length]}` as const);
      const startedAt = NOW - (day + 1) * 24 * 60 * MIN + (3 + 8 * k) * 60 * MIN;
      for (const [kind, atMs] of [
        ['open', startedAt],
        ['close', startedAt + 7 * MIN],
      ] as const) {
        await appendIncidentEvent(store, {
          schemaVersion: 1,
          kind,
          scope,
          cause: 'sli:requests',
          atMs,
          observedAtMs: atMs + MIN,
          source: 'bench',
        });
        records++;
      }
    }
  }
  // The zone-shifter's one-minute tick: 1,440 audit records a day, over the last 30 days.
  for (let m = 0; m < 30 * 24 * 60; m++) {
    const decidedAtMs = NOW - m * MIN;
    const r: AuditRecord = {
      schemaVersion: 1,
      id: `t${m}`,
      function: 'zone-shifter',
      eventId: `e${m}`,
      decidedAtMs,
      decision: m % 720 === 0 ? 'evacuate' : 'none',
      reason: 'tick',
      az: AZS[m % AZS.length],
      dryRun: false,
      paused: false,
      inputs: {},
      actions: m % 720 === 0 ? [{ api: 'ModifyListener', target: 'l', params: {}, result: 'ok' }] : [],
    };
    await store.put(auditKey(r), new TextEncoder().encode(JSON.stringify(r)));
    records++;
  }
  return records;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const store = new MemoryObjectStore(() => NOW);
  const stored = await seed(store);
  const deps = {
    store,
    metrics: reader,
    sink: { put: () => {}, flush: () => {} },
    probe: { get: async () => ({ ok: true, status: 200, latencyMs: 1 }) },
    clock: { nowMs: () => NOW },
    log: new RecordingLog(),
    config,
  };
  const tick = { 'detail-type': 'Scheduled Event' };
  const cold: number[] = [];
  const warmTimes: number[] = [];
  const reference: number[] = [];
  const warm = createAvailabilityHandler(deps);
  await warm(tick);
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    await createAvailabilityHandler(deps)(tick);
    cold.push(performance.now() - t);

    t = performance.now();
    await warm(tick);
    warmTimes.push(performance.now() - t);

    // Reference: list and parse every stored record once, and add up every datapoint once.
    t = performance.now();
    let sum = 0;
    for await (const info of store.list('')) {
      const o = await store.get(info.key);
      if (o) sum += (JSON.parse(new TextDecoder().decode(o.body)) as { atMs?: number }).atMs ?? 0;
    }
    const series = await reader.getMetricData(
      AZS.flatMap((az) =>
        ['RequestCount', 'HTTPCode_Target_5XX_Count', 'HTTPCode_ELB_5XX_Count'].map((m) => ({
          id: `${m}${az}`.replace(/[^a-zA-Z0-9]/g, '').replace(/^./, 'x'),
          namespace: 'AWS/ApplicationELB',
          metricName: m,
          dimensions: {},
          stat: 'Sum' as const,
          periodSeconds: 60,
        })),
      ),
      NOW - 7 * 60 * MIN,
      NOW,
    );
    for (const s of series) for (const p of s.points) sum += p.value;
    reference.push(performance.now() - t);
    if (sum < 0) console.log(sum);
  }
  console.log(
    `availability handler, one scheduled run: 5 AZs, ${stored} stored records (120 incident records, 43,200 audit records), median of ${RUNS}`,
  );
  console.log(`  cold (empty record cache)       ${median(cold).toFixed(1)} ms`);
  console.log(`  warm (records cached)           ${median(warmTimes).toFixed(1)} ms`);
  console.log(
    `  reference: parse every record once + sum every minute datapoint   ${median(reference).toFixed(1)} ms`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
