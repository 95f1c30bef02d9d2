import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryObjectStore } from '../../lambdas/adapters/memory/memory-object-store';
import { NodeHttpProbe } from '../../lambdas/adapters/node/http-probe';
import type { FailoverRuntimeConfig } from '../../lambdas/config/failover-runtime';
import { parseProbeState, probeStateKey } from '../../lambdas/core/probe-state';
import type { HttpProbe } from '../../lambdas/ports/http-probe';
import { RecordingLog } from '../../lambdas/ports/log';
import {
  healthyTargetCount,
  MAX_PROBES_PER_AZ_ROUND,
  probesPerTargetFor,
  roundOutcomes,
  summarizeRound,
  totalOfRound,
} from '../../lambdas/zonal-prober/decide';
import { createZonalProberHandler, type ZonalProberDeps } from '../../lambdas/zonal-prober/function';
import { RecordingMetricSink } from '../recording-metric-sink';
import { AZS, type Call, events, FakeLoadBalancer, ManualClock, runtimeConfig } from './fakes';
import { tgArn } from './fixtures';

const T0 = Date.UTC(2027, 0, 15, 8, 0, 0);

/** The prober over `ports` with a 2-AZ config (plus `config`), whose sleeps advance the clock and are listed in `sleeps`. */
function proberWith(
  ports: Pick<ZonalProberDeps, 'loadBalancer' | 'probe' | 'metrics' | 'store'> & { clock: ManualClock },
  config: Partial<FailoverRuntimeConfig> = {},
  sleeps: number[] = [],
) {
  return createZonalProberHandler({
    ...ports,
    log: new RecordingLog(),
    config: { ...runtimeConfig(2), ...config },
    sleep: async (ms) => {
      sleeps.push(ms);
      ports.clock.now += ms;
    },
  });
}

describe('zonal prober', () => {
  test('GIVEN round results WHEN summarized THEN counts, distinct failing targets, success rate and mean latency', () => {
    expect(
      summarizeRound([
        { target: 'a', result: { ok: true, latencyMs: 10 } },
        { target: 'b', result: { ok: false, latencyMs: 2000, error: 'timeout' } },
        { target: 'b', result: { ok: false, status: 503, latencyMs: 30 } },
        { target: 'c', result: { ok: true, latencyMs: 20 } },
      ]),
    ).toEqual({ probes: 4, failures: 2, failedTargets: 1, successRate: 50, meanLatencyMs: 515 });
    expect(summarizeRound([])).toMatchObject({ probes: 0, successRate: 100 });
  });

  test('GIVEN targets from DescribeTargetHealth WHEN a run probes every 10 s THEN six rounds of per-AZ metrics and a per-target state', async () => {
    const calls: Call[] = [];
    const clock = new ManualClock(T0);
    const store = new MemoryObjectStore(() => clock.now);
    const loadBalancer = new FakeLoadBalancer(calls, AZS.slice(0, 2));
    loadBalancer.targets.set(tgArn(AZS[0]), [
      { id: '10.0.0.10', port: 8080, state: 'healthy' },
      { id: '10.0.0.11', port: 8080, state: 'healthy' },
      { id: '10.0.0.12', port: 8080, state: 'draining' },
    ]);
    loadBalancer.targets.set(tgArn(AZS[1]), [{ id: '10.0.1.10', port: 8080, state: 'healthy' }]);
    const probed: string[] = [];
    const probe: HttpProbe = {
      async probe(ip, port, path) {
        probed.push(`${ip}:${port}${path}`);
        clock.now += 5;
        return ip === '10.0.0.11'
          ? { ok: false, status: 503, latencyMs: 5 }
          : { ok: true, status: 200, latencyMs: 5 };
      },
    };
    const metrics = new RecordingMetricSink();
    const sleeps: number[] = [];
    const handler = proberWith({ loadBalancer, probe, metrics, store, clock }, {}, sleeps);
    const result = await handler(events.schedule('tick-1'));
    expect(result.rounds).toBe(6);
    expect(new Set(probed)).toEqual(
      new Set(['10.0.0.10:8080/health', '10.0.0.11:8080/health', '10.0.1.10:8080/health']),
    );
    expect(probed).toHaveLength(18);
    expect(clock.now - T0).toBeGreaterThanOrEqual(50_000);
    expect(sleeps).toHaveLength(5);
    const failed = metrics.puts.filter(
      (v) => v.name === 'ProbeFailedTargets' && v.dimensions?.AvailabilityZone === AZS[0],
    );
    expect(failed.map((v) => v.value)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(metrics.puts.find((v) => v.name === 'ProbeSuccessRate')?.dimensions).toEqual({
      LoadBalancer: 'app/bulkhead/50dc6c495c0c9188',
      AvailabilityZone: AZS[0],
    });
    expect(metrics.flushes).toBe(6);
    const state = parseProbeState((await store.get(probeStateKey(AZS[0])))?.body);
    expect(state?.consecutiveFailures).toEqual({ '10.0.0.10': 0, '10.0.0.11': 6 });
  });

  test.each([
    { name: 'two healthy', states: ['healthy', 'healthy'], healthy: 2 },
    { name: 'one starting, one healthy', states: ['initial', 'healthy'], healthy: 1 },
    { name: 'all unhealthy or draining', states: ['unhealthy', 'draining'], healthy: 0 },
    { name: 'no target at all', states: [], healthy: 0 },
  ] as const)('GIVEN $name WHEN counted THEN $healthy healthy targets', ({ states, healthy }) => {
    expect(healthyTargetCount(states.map((state, i) => ({ id: `10.0.0.${i}`, port: 8080, state })))).toBe(
      healthy,
    );
  });

  test('GIVEN a cell losing its targets mid-run and one failed re-read WHEN probing THEN HealthyTargets follows every round and is absent for the unread round', async () => {
    const clock = new ManualClock(T0);
    const fake = new FakeLoadBalancer([], AZS.slice(0, 2));
    let reads = 0;
    // AZ a: healthy for the first two reads, then unhealthy; its 4th read is throttled.
    const loadBalancer = Object.assign(Object.create(fake), {
      async describeTargetHealth(tg: string) {
        if (tg !== tgArn(AZS[0])) return fake.describeTargetHealth(tg);
        reads++;
        if (reads === 4) throw new Error('Throttling');
        const state = reads <= 2 ? 'healthy' : 'unhealthy';
        return [
          { id: '10.0.0.10', port: 8080, state },
          { id: '10.0.0.11', port: 8080, state },
        ];
      },
    });
    const metrics = new RecordingMetricSink();
    const handler = proberWith({
      loadBalancer,
      probe: { probe: async () => ({ ok: true, latencyMs: 1 }) },
      metrics,
      store: new MemoryObjectStore(() => clock.now),
      clock,
    });
    const result = await handler(events.schedule('tick-1'));
    expect(result.rounds).toBe(6);
    expect(reads).toBe(6);
    const healthy = (az: string) =>
      metrics.puts.filter((v) => v.name === 'HealthyTargets' && v.dimensions?.AvailabilityZone === az);
    expect(healthy(AZS[0]).map((v) => v.value)).toEqual([2, 2, 0, 0, 0]);
    expect(healthy(AZS[1]).map((v) => v.value)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(healthy(AZS[0])[0].dimensions).toEqual({
      LoadBalancer: 'app/bulkhead/50dc6c495c0c9188',
      AvailabilityZone: AZS[0],
    });
    expect(result.errors).toEqual([
      expect.stringMatching(/DescribeTargetHealth failed for us-east-1a: .*Throttling/),
    ]);
  });

  test('GIVEN a malformed event WHEN invoked THEN it probes nothing and says why', async () => {
    const handler = proberWith({
      loadBalancer: new FakeLoadBalancer([], AZS.slice(0, 2)),
      probe: { probe: async () => ({ ok: true, latencyMs: 1 }) },
      metrics: new RecordingMetricSink(),
      store: new MemoryObjectStore(),
      clock: new ManualClock(T0),
    });
    expect(await handler({ nope: true })).toMatchObject({
      rounds: 0,
      errors: [expect.stringMatching(/malformed/)],
    });
  });
});

describe('NodeHttpProbe on loopback', () => {
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/health') res.writeHead(200).end('ok');
      else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end('late'), 500);
      else res.writeHead(503).end('no');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('GIVEN a healthy, a failing, a slow and a closed target WHEN probed THEN ok, 503, timeout and refused', async () => {
    const probe = new NodeHttpProbe();
    expect(await probe.probe('127.0.0.1', port, '/health', 1000)).toMatchObject({ ok: true, status: 200 });
    expect(await probe.probe('127.0.0.1', port, '/down', 1000)).toMatchObject({ ok: false, status: 503 });
    expect(await probe.probe('127.0.0.1', port, '/slow', 100)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/timed out/),
    });
    const closed = await probe.probe('127.0.0.1', 1, '/health', 1000);
    expect(closed.ok).toBe(false);
    expect(closed.error).toBeDefined();
  });
});

describe('zonal prober: several probes per target', () => {
  test.each([
    { name: 'all ok', fails: 0, of: 10, ok: true },
    { name: 'a quarter failing (gray)', fails: 3, of: 10, ok: true },
    { name: 'exactly half failing', fails: 5, of: 10, ok: true },
    { name: 'most failing', fails: 6, of: 10, ok: false },
    { name: 'the only probe failing', fails: 1, of: 1, ok: false },
  ])('GIVEN $name ($fails of $of) WHEN the round is folded per target THEN ok=$ok', ({ fails, of, ok }) => {
    const results = Array.from({ length: of }, (_, i) => ({
      target: '10.0.0.1',
      result: i < fails ? { ok: false, status: 503, latencyMs: 5 } : { ok: true, status: 200, latencyMs: 5 },
    }));
    expect(roundOutcomes(results)).toEqual([{ ip: '10.0.0.1', ok }]);
  });

  test.each([
    { targets: 2, configured: 10, each: 10 },
    { targets: 5, configured: 10, each: 10 },
    { targets: 6, configured: 10, each: 8 },
    { targets: 25, configured: 10, each: 2 },
    { targets: 50, configured: 10, each: 1 },
    { targets: 200, configured: 10, each: 1 },
    { targets: 2, configured: 1, each: 1 },
  ])(
    'GIVEN $targets targets and $configured probes configured WHEN a round is planned THEN $each probe(s) each',
    ({ targets, configured, each }) => {
      expect(probesPerTargetFor(targets, configured)).toBe(each);
      expect(targets * each).toBeLessThanOrEqual(Math.max(targets, MAX_PROBES_PER_AZ_ROUND));
    },
  );

  test('GIVEN per-AZ rounds WHEN totalled THEN probes and failures add up and latency is probe-weighted', () => {
    const r = (probes: number, failures: number, meanLatencyMs: number) => ({
      probes,
      failures,
      failedTargets: 0,
      successRate: 0,
      meanLatencyMs,
    });
    expect(totalOfRound([r(20, 5, 340), r(20, 0, 40), r(0, 0, 0)])).toEqual({
      probes: 40,
      failures: 5,
      meanLatencyMs: 190,
    });
    expect(totalOfRound([])).toEqual({ probes: 0, failures: 0, meanLatencyMs: 0 });
  });

  test('GIVEN 3 probes per target, a target failing one in three and a slow one WHEN a run probes THEN 3× the probes, load-balancer totals, slow counted as affected, and no failed round', async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryObjectStore(() => clock.now);
    const loadBalancer = new FakeLoadBalancer([], AZS.slice(0, 2));
    loadBalancer.targets.set(tgArn(AZS[0]), [
      { id: '10.0.0.10', port: 8080, state: 'healthy' },
      { id: '10.0.0.11', port: 8080, state: 'healthy' },
    ]);
    loadBalancer.targets.set(tgArn(AZS[1]), [{ id: '10.0.1.10', port: 8080, state: 'healthy' }]);
    const seen = new Map<string, number>();
    const probe: HttpProbe = {
      async probe(ip) {
        const n = (seen.get(ip) ?? 0) + 1;
        seen.set(ip, n);
        if (ip === '10.0.0.10')
          return n % 3 === 0
            ? { ok: false, status: 503, latencyMs: 5 }
            : { ok: true, status: 200, latencyMs: 5 };
        if (ip === '10.0.0.11') return { ok: true, status: 200, latencyMs: 400 };
        return { ok: true, status: 200, latencyMs: 5 };
      },
    };
    const metrics = new RecordingMetricSink();
    const handler = proberWith({ loadBalancer, probe, metrics, store, clock }, { probesPerTarget: 3 });
    const result = await handler(events.schedule('tick-1'));
    expect(result.rounds).toBe(6);
    expect([...seen.values()]).toEqual([18, 18, 18]);
    const az = (name: string) =>
      metrics.puts
        .filter((v) => v.name === name && v.dimensions?.AvailabilityZone === AZS[0])
        .map((v) => v.value);
    expect(az('ProbeCount')).toEqual([6, 6, 6, 6, 6, 6]);
    expect(az('ProbeFailures')).toEqual([1, 1, 1, 1, 1, 1]);
    // One target failing now and then, one slow (over the 250-ms probe latency threshold): both affected.
    expect(az('ProbeFailedTargets')).toEqual([2, 2, 2, 2, 2, 2]);
    const totals = metrics.puts.filter((v) => v.dimensions && !('AvailabilityZone' in v.dimensions));
    expect(totals.filter((v) => v.name === 'ProbeCount').map((v) => v.value)).toEqual([9, 9, 9, 9, 9, 9]);
    expect(totals.find((v) => v.name === 'ProbeCount')?.dimensions).toEqual({
      LoadBalancer: 'app/bulkhead/50dc6c495c0c9188',
    });
    const state = parseProbeState((await store.get(probeStateKey(AZS[0])))?.body);
    expect(state?.consecutiveFailures).toEqual({ '10.0.0.10': 0, '10.0.0.11': 0 });
  });
});
