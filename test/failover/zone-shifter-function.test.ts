import { MemoryObjectStore } from '../../lambdas/adapters/memory/memory-object-store';
import { resolveFailoverPolicy } from '../../lambdas/config/failover';
import { AUDIT_PREFIX, type AuditRecord } from '../../lambdas/core/audit-record';
import type { AzSample } from '../../lambdas/core/detection';
import { PAUSE_KEY, serializePauseState } from '../../lambdas/core/pause';
import { RecordingLog } from '../../lambdas/ports/log';
import { createZoneShifterHandler, decodeJson } from '../../lambdas/zone-shifter/function';
import { SHIFT_STATE_KEY, ZONE_SHIFTER_LEASE_KEY } from '../../lambdas/zone-shifter/shift-state';
import { RecordingMetricSink } from '../recording-metric-sink';
import {
  AZS,
  type Call,
  events,
  FakeEcs,
  FakeLoadBalancer,
  FakeMetricReader,
  ManualClock,
  runtimeConfig,
  steadyService,
} from './fakes';
import { tgArn } from './fixtures';

const T0 = Date.UTC(2027, 0, 15, 8, 0, 0);
const MIN = 60_000;
const healthy: AzSample = {
  requests: 1000,
  faults: 1,
  latencyMs: 30,
  unhealthyHosts: 0,
  probes: 24,
  probeFailures: 0,
  probeFailedTargets: 0,
};
const sick: AzSample = {
  requests: 1000,
  faults: 300,
  latencyMs: 30,
  unhealthyHosts: 3,
  probes: 24,
  probeFailures: 18,
  probeFailedTargets: 3,
};

function world(options: { dryRun?: boolean; n?: number } = {}) {
  const n = options.n ?? 3;
  const calls: Call[] = [];
  const clock = new ManualClock(T0);
  const store = new MemoryObjectStore(() => clock.now);
  const ecs = new FakeEcs(calls);
  for (const az of AZS.slice(0, n))
    ecs.services.set(`cell-${az.slice(-1)}`, steadyService(`cell-${az.slice(-1)}`));
  const loadBalancer = new FakeLoadBalancer(calls, AZS.slice(0, n));
  const metricReader = new FakeMetricReader(AZS.slice(0, n));
  const log = new RecordingLog();
  const metrics = new RecordingMetricSink();
  const config = runtimeConfig(n, resolveFailoverPolicy({ dryRun: options.dryRun }));
  const handler = createZoneShifterHandler({
    ecs,
    loadBalancer,
    metricReader,
    store,
    metrics,
    clock,
    log,
    config,
  });
  return { calls, clock, store, ecs, loadBalancer, metricReader, log, metrics, handler };
}

async function audits(store: MemoryObjectStore): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const info of store.list(AUDIT_PREFIX))
    out.push(decodeJson((await store.get(info.key))!.body) as AuditRecord);
  return out;
}

/** AZ a sick from `sinceMs` on (for every period starting at or after it). */
const sickFrom = (az: string, sinceMs: number) => (name: string, t: number) =>
  name === az && t >= sinceMs ? sick : healthy;

describe('zone-shifter shell', () => {
  test('GIVEN a cell whose targets are all unhealthy while its metrics still read healthy WHEN the tick runs THEN it is evacuated at once on target health, and the record carries the target counts', async () => {
    const w = world();
    w.metricReader.sample = () => healthy;
    w.loadBalancer.targets.set(tgArn(AZS[1]), [
      { id: '10.0.1.10', port: 8080, state: 'unhealthy' },
      { id: '10.0.1.11', port: 8080, state: 'unhealthy' },
    ]);
    const result = await w.handler(events.schedule('tick-1'));
    expect(result.decision).toBe('evacuate');
    expect(result.az).toBe(AZS[1]);
    expect(result.reason).toMatch(/no healthy target \(2 registered/);
    expect(w.calls[0]).toEqual({
      api: 'ModifyListener',
      weights: [
        { targetGroupArn: tgArn(AZS[0]), weight: 100 },
        { targetGroupArn: tgArn(AZS[1]), weight: 0 },
        { targetGroupArn: tgArn(AZS[2]), weight: 100 },
      ],
    });
    const [record] = await audits(w.store);
    const inputs = record.inputs as { cells: { az: string; targets?: unknown }[] };
    expect(inputs.cells.find((c) => c.az === AZS[1])?.targets).toEqual({ healthy: 0, initial: 0, other: 2 });
  });

  test.each([
    {
      name: 'no healthy target left',
      states: ['unhealthy', 'unhealthy'],
      decision: 'evacuate',
      first: ['ModifyListener'],
    },
    { name: 'a target still starting', states: ['unhealthy', 'initial'], decision: 'none', first: [] },
  ] as const)(
    'GIVEN the prober’s no-healthy-target alarm for us-east-1b and $name WHEN it arrives THEN the shifter re-reads target health and decides $decision',
    async ({ states, decision, first }) => {
      const w = world();
      w.metricReader.sample = () => healthy;
      w.loadBalancer.targets.set(
        tgArn(AZS[1]),
        states.map((state, i) => ({ id: `10.0.1.1${i}`, port: 8080, state })),
      );
      const result = await w.handler(events.alarm('ev-t', 'Bulkhead-az-us-east-1b-targets'));
      expect(result.decision).toBe(decision);
      expect(w.calls.slice(0, 1).map((c) => c.api)).toEqual(first);
      const [record] = await audits(w.store);
      expect((record.inputs as { trigger: unknown }).trigger).toMatchObject({
        type: 'alarm',
        alarmName: 'Bulkhead-az-us-east-1b-targets',
        az: AZS[1],
      });
    },
  );

  test('GIVEN target health cannot be read WHEN the tick runs THEN the check is skipped with a log line and nothing is evacuated', async () => {
    const w = world();
    w.metricReader.sample = () => healthy;
    w.loadBalancer.describeTargetHealth = async () => {
      throw new Error('ThrottlingException: Rate exceeded');
    };
    const result = await w.handler(events.schedule('tick-1'));
    expect(result.decision).toBe('none');
    expect(w.calls).toEqual([]);
    expect(
      w.log.lines.some((l) => l.level === 'warn' && /target health could not be read/.test(l.message)),
    ).toBe(true);
  });

  test('GIVEN one AZ sick for 3 periods WHEN its alarm fires THEN the listener drops it, the others scale up, and it is all recorded', async () => {
    const w = world();
    w.metricReader.sample = sickFrom(AZS[0], T0 - 3 * MIN);
    const result = await w.handler(events.alarm('ev-1', 'Bulkhead-az-us-east-1a-alb'));
    expect(result.decision).toBe('evacuate');
    expect(w.calls).toEqual([
      {
        api: 'ModifyListener',
        weights: [
          { targetGroupArn: tgArn(AZS[0]), weight: 0 },
          { targetGroupArn: tgArn(AZS[1]), weight: 100 },
          { targetGroupArn: tgArn(AZS[2]), weight: 100 },
        ],
      },
      { api: 'UpdateService', service: 'cell-b', change: { desiredCount: 6 } },
      { api: 'UpdateService', service: 'cell-c', change: { desiredCount: 6 } },
    ]);
    const [record] = await audits(w.store);
    expect(record).toMatchObject({
      function: 'zone-shifter',
      eventId: 'ev-1',
      decision: 'evacuate',
      az: AZS[0],
      dryRun: false,
      paused: false,
    });
    expect(record.actions.map((a) => `${a.api} ${a.result}`)).toEqual([
      'ModifyListener ok',
      'UpdateService ok',
      'UpdateService ok',
      'S3:PutObject ok',
    ]);
    expect(decodeJson((await w.store.get(SHIFT_STATE_KEY))!.body)).toMatchObject({
      phase: 'evacuated',
      az: AZS[0],
      revision: 1,
    });
    expect(w.metrics.puts).toContainEqual({
      name: 'Decisions',
      value: 1,
      unit: 'Count',
      dimensions: { Function: 'zone-shifter', Decision: 'evacuate' },
    });
    expect(await w.store.head(ZONE_SHIFTER_LEASE_KEY)).toBeUndefined();
  });

  test('GIVEN the same event delivered twice WHEN handled THEN one set of calls, and the second is a recorded no-op', async () => {
    const w = world();
    w.metricReader.sample = sickFrom(AZS[0], T0 - 3 * MIN);
    await w.handler(events.alarm('ev-1', 'Bulkhead-az-us-east-1a-alb'));
    const second = await w.handler(events.alarm('ev-1', 'Bulkhead-az-us-east-1a-alb'));
    expect(second).toMatchObject({ decision: 'none', reason: expect.stringMatching(/already handled/) });
    expect(w.calls.filter((c) => c.api === 'ModifyListener')).toHaveLength(1);
    expect(await audits(w.store)).toHaveLength(2);
  });

  test('GIVEN the scale-up of an evacuation throttled WHEN the held shift is re-confirmed THEN the UpdateService is re-issued and audited, once per event, without resetting the cooldown', async () => {
    const w = world();
    w.metricReader.sample = sickFrom(AZS[0], T0 - 3 * MIN);
    let throttle = true;
    w.ecs.fail = (api) => {
      if (api !== 'UpdateService' || !throttle) return undefined;
      throttle = false;
      return new Error('ThrottlingException: Rate exceeded');
    };
    const first = await w.handler(events.alarm('ev-1', 'Bulkhead-az-us-east-1a-alb'));
    expect(first.decision).toBe('evacuate');
    expect(w.ecs.services.get('cell-b')?.desiredCount).toBe(4);
    const stateBefore = decodeJson((await w.store.get(SHIFT_STATE_KEY))!.body) as { lastActionAtMs: number };

    w.clock.now += MIN;
    const held = await w.handler(events.schedule('tick-1'));
    expect(held.decision).toBe('none');
    expect(held.reason).toMatch(/lease renewed; re-issuing the held shift's scale-up of us-east-1b to 6/);
    expect(w.calls.filter((c) => c.api === 'UpdateService')).toEqual([
      { api: 'UpdateService', service: 'cell-c', change: { desiredCount: 6 } },
      { api: 'UpdateService', service: 'cell-b', change: { desiredCount: 6 } },
    ]);
    expect(w.calls.filter((c) => c.api === 'ModifyListener')).toHaveLength(1);
    expect(w.ecs.services.get('cell-b')?.desiredCount).toBe(6);
    const record = (await audits(w.store)).find((r) => r.eventId === 'tick-1')!;
    expect(record.decision).toBe('none');
    expect(record.actions.map((a) => `${a.api} ${a.target} ${a.result}`)).toEqual([
      `S3:PutObject ${SHIFT_STATE_KEY} ok`,
      'UpdateService cell-b ok',
    ]);
    const stateAfter = decodeJson((await w.store.get(SHIFT_STATE_KEY))!.body) as { lastActionAtMs: number };
    expect(stateAfter.lastActionAtMs).toBe(stateBefore.lastActionAtMs);

    // The same event again is a recorded no-op; a later tick with every cell at its target calls nothing.
    w.ecs.services.set('cell-b', steadyService('cell-b', 4));
    const again = await w.handler(events.schedule('tick-1'));
    expect(again.reason).toMatch(/already handled/);
    w.ecs.services.set('cell-b', steadyService('cell-b', 6));
    w.clock.now += MIN;
    await w.handler(events.schedule('tick-2'));
    expect(w.calls.filter((c) => c.api === 'UpdateService')).toHaveLength(2);
  });

  test('GIVEN two alarms for the same impairment WHEN both are handled THEN only the first acts', async () => {
    const w = world();
    w.metricReader.sample = sickFrom(AZS[0], T0 - 3 * MIN);
    await w.handler(events.alarm('ev-1', 'Bulkhead-az-us-east-1a-alb'));
    const second = await w.handler(events.alarm('ev-2', 'Bulkhead-az-us-east-1a-probe'));
    expect(second.decision).toBe('none');
    expect(second.reason).toMatch(/lease renewed/);
    expect(w.calls).toHaveLength(3);
  });

  test('GIVEN dry-run WHEN an AZ is sick THEN the evacuation is decided and recorded, but no call is made', async () => {
    const w = world({ dryRun: true });
    w.metricReader.sample = sickFrom(AZS[0], T0 - 3 * MIN);
    const result = await w.handler(events.schedule('tick-1'));
    expect(result.decision).toBe('evacuate');
    expect(w.calls).toEqual([]);
    expect(result.actions.map((a) => a.result)).toEqual(['skipped', 'skipped', 'skipped']);
    expect((await audits(w.store))[0]).toMatchObject({ dryRun: true, decision: 'evacuate' });
    expect(await w.store.get(SHIFT_STATE_KEY)).toBeUndefined();
  });

  test('GIVEN the pause switch on WHEN an AZ is sick THEN no call is made and the record says paused', async () => {
    const w = world();
    await w.store.put(PAUSE_KEY, serializePauseState({ paused: true, reason: 'game day', by: 'ops' }));
    w.metricReader.sample = sickFrom(AZS[0], T0 - 3 * MIN);
    const result = await w.handler(events.alarm('ev-1', 'Bulkhead-az-us-east-1a-alb'));
    expect(result.decision).toBe('evacuate');
    expect(w.calls).toEqual([]);
    expect((await audits(w.store))[0]).toMatchObject({
      paused: true,
      inputs: { pause: { reason: 'game day', by: 'ops' } },
    });
  });

  test('GIVEN an unreadable pause switch WHEN an AZ is sick THEN it acts as paused', async () => {
    const w = world();
    await w.store.put(PAUSE_KEY, new TextEncoder().encode('{"paus'));
    w.metricReader.sample = sickFrom(AZS[0], T0 - 3 * MIN);
    await w.handler(events.schedule('tick-1'));
    expect(w.calls).toEqual([]);
    expect(w.log.lines.some((l) => l.level === 'error' && /pause switch unreadable/.test(l.message))).toBe(
      true,
    );
  });

  test.each([
    ['a truncated event', '{"id":"x","detail-type":"CloudWatch Alarm', /malformed event ignored/],
    [
      'an event without detail',
      { id: 'x', 'detail-type': 'CloudWatch Alarm State Change', source: 'aws.cloudwatch', time: 't' },
      /malformed event ignored: detail/,
    ],
    ['null', null, /malformed event ignored/],
    [
      'another stack’s alarm',
      events.alarm('x', 'SomeoneElse-cpu-high'),
      /not one of this stack's impairment alarms/,
    ],
    [
      'an AZ that is not in the stack',
      events.alarm('x', 'Bulkhead-az-us-east-1z-alb'),
      /not a cell of this stack/,
    ],
  ])(
    'GIVEN %s WHEN handled THEN a clear log line, a recorded no-op, and no call',
    async (_name, event, reason) => {
      const w = world();
      w.metricReader.sample = sickFrom(AZS[0], T0 - 10 * MIN);
      const result = await w.handler(event);
      expect(result).toMatchObject({ decision: 'none', reason: expect.stringMatching(reason) });
      expect(w.calls).toEqual([]);
      expect(w.log.lines.some((l) => l.level !== 'info' && reason.test(l.message))).toBe(true);
      expect(await audits(w.store)).toHaveLength(1);
    },
  );

  test('GIVEN a listener changed by hand WHEN a run sees it THEN it logs the drift and stands back', async () => {
    const w = world();
    w.loadBalancer.weights = [
      { targetGroupArn: tgArn(AZS[0]), weight: 100 },
      { targetGroupArn: tgArn(AZS[1]), weight: 0 },
      { targetGroupArn: tgArn(AZS[2]), weight: 100 },
    ];
    w.metricReader.sample = () => healthy;
    const result = await w.handler(events.schedule('tick-1'));
    expect(result.decision).toBe('alert-only');
    expect(w.calls).toEqual([]);
    expect(w.log.lines.some((l) => l.message === 'listener drift detected')).toBe(true);
  });

  test('GIVEN another run holds the lease WHEN a run starts THEN it records a no-op', async () => {
    const w = world();
    await w.store.put(
      ZONE_SHIFTER_LEASE_KEY,
      new TextEncoder().encode(
        JSON.stringify({ holder: 'zone-shifter:other', acquiredAtMs: T0, expiresAtMs: T0 + 30_000 }),
      ),
    );
    w.metricReader.sample = sickFrom(AZS[0], T0 - 3 * MIN);
    const result = await w.handler(events.schedule('tick-1'));
    expect(result.reason).toMatch(/another zone-shifter run \(zone-shifter:other\) holds the lease/);
    expect(w.calls).toEqual([]);
  });

  test('GIVEN ModifyListener fails after retries WHEN evacuating THEN the failure is recorded, nothing else is done, and a later run retries', async () => {
    const w = world();
    w.metricReader.sample = sickFrom(AZS[0], T0 - 3 * MIN);
    w.loadBalancer.fail = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const first = await w.handler(events.schedule('tick-1'));
    expect(first.actions).toEqual([
      expect.objectContaining({
        api: 'ModifyListener',
        result: 'failed',
        error: 'ThrottlingException: Rate exceeded',
      }),
    ]);
    expect(w.calls).toEqual([]);
    expect(await w.store.get(SHIFT_STATE_KEY)).toBeUndefined();
    w.loadBalancer.fail = undefined;
    w.clock.now += MIN;
    const second = await w.handler(events.schedule('tick-2'));
    expect(second.decision).toBe('evacuate');
    expect(w.calls.map((c) => c.api)).toEqual(['ModifyListener', 'UpdateService', 'UpdateService']);
  });

  test('GIVEN metrics cannot be read WHEN a run starts THEN every AZ is unknown and nothing is done', async () => {
    const w = world();
    w.metricReader.fail = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const result = await w.handler(events.schedule('tick-1'));
    expect(result).toMatchObject({ decision: 'none', reason: expect.stringMatching(/missing data/) });
    expect(w.calls).toEqual([]);
  });

  test('GIVEN a whole incident WHEN time passes THEN evacuate, hold while sick, then ramp 10 → 50 → 100 after recovery holds', async () => {
    const w = world();
    const recoverAt = T0 + 20 * MIN;
    w.metricReader.sample = (az, t) => (az === AZS[0] && t >= T0 - 3 * MIN && t < recoverAt ? sick : healthy);
    const timeline: string[] = [];
    for (let i = 0; i <= 60; i++) {
      const r = await w.handler(events.schedule(`tick-${i}`));
      if (r.decision !== 'none')
        timeline.push(
          `${i}:${r.decision}${r.decision === 'restore' ? `@${w.loadBalancer.weights[0].weight}` : ''}`,
        );
      w.clock.now += MIN;
    }
    // Recovery at minute 20 must hold 10 min (hysteresis) → first restore at 30, then 5-min steps.
    expect(timeline).toEqual(['0:evacuate', '30:restore@10', '35:restore@50', '40:restore@100']);
    expect(w.ecs.services.get('cell-b')?.desiredCount).toBe(4);
  });

  test('GIVEN a dead signal WHEN an evacuation is not re-confirmed THEN its lease expires and the AZ ramps back', async () => {
    const w = world();
    w.metricReader.sample = sickFrom(AZS[0], T0 - 3 * MIN);
    await w.handler(events.schedule('tick-0'));
    // Every metric of AZ a vanishes: it can be neither confirmed sick nor healthy.
    w.metricReader.sample = (az) => (az === AZS[0] ? {} : healthy);
    let restoredAt: number | undefined;
    for (let i = 1; i <= 40 && restoredAt === undefined; i++) {
      w.clock.now = T0 + i * MIN;
      const r = await w.handler(events.schedule(`tick-${i}`));
      if (r.decision === 'restore') restoredAt = i;
    }
    expect(restoredAt).toBe(30);
  });
});

describe('zone-shifter shell: unexpected failures', () => {
  test('GIVEN the state bucket failing every write WHEN an alarm fires THEN no throw, no call, a clear log line and a counted failure', async () => {
    const w = world();
    w.metricReader.sample = sickFrom(AZS[0], T0 - 3 * MIN);
    const boom = Object.assign(new Error('We encountered an internal error'), { name: 'InternalError' });
    w.store.put = async () => {
      throw boom;
    };
    const result = await w.handler(events.alarm('ev-1', 'Bulkhead-az-us-east-1a-alb'));
    expect(result).toMatchObject({
      decision: 'none',
      reason: 'run failed, no further action: InternalError: We encountered an internal error',
    });
    expect(result.auditKey).toBeUndefined();
    expect(w.calls).toEqual([]);
    expect(w.log.lines.some((l) => l.level === 'error' && /run failed/.test(l.message))).toBe(true);
    expect(w.metrics.puts).toContainEqual({
      name: 'RunFailures',
      value: 1,
      unit: 'Count',
      dimensions: { Function: 'zone-shifter' },
    });
  });
});
