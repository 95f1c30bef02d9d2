import { MemoryObjectStore } from '../../lambdas/adapters/memory/memory-object-store';
import { resolveFailoverPolicy } from '../../lambdas/config/failover';
import { AUDIT_PREFIX, type AuditRecord } from '../../lambdas/core/audit-record';
import { STOP_REASON_MARKER } from '../../lambdas/core/failover-policy';
import { PAUSE_KEY, serializePauseState } from '../../lambdas/core/pause';
import { probeStateKey } from '../../lambdas/core/probe-state';
import type { EcsTask } from '../../lambdas/ports/ecs';
import { RecordingLog } from '../../lambdas/ports/log';
import { createTaskReplacerHandler, serviceStateKey } from '../../lambdas/task-replacer/function';
import { decodeJson } from '../../lambdas/zone-shifter/function';
import { RecordingMetricSink } from '../recording-metric-sink';
import {
  AZS,
  type Call,
  events,
  FakeEcs,
  FakeLoadBalancer,
  ManualClock,
  runtimeConfig,
  steadyService,
} from './fakes';
import { tgArn } from './fixtures';

const T0 = Date.UTC(2027, 0, 15, 8, 0, 0);
const MIN = 60_000;
const TD1 = 'arn:aws:ecs:us-east-1:111111111111:task-definition/app:1';
const TD2 = 'arn:aws:ecs:us-east-1:111111111111:task-definition/app:2';

function world(options: { dryRun?: boolean } = {}) {
  const calls: Call[] = [];
  const clock = new ManualClock(T0);
  const store = new MemoryObjectStore(() => clock.now);
  const ecs = new FakeEcs(calls);
  const loadBalancer = new FakeLoadBalancer(calls, AZS.slice(0, 3));
  for (const [i, az] of AZS.slice(0, 3).entries()) {
    const name = `cell-${az.slice(-1)}`;
    ecs.services.set(name, steadyService(name));
    const tasks: EcsTask[] = [0, 1, 2, 3].map((n) => ({
      taskArn: `arn:aws:ecs:us-east-1:111111111111:task/bulkhead/${az.slice(-1)}${n}`,
      availabilityZone: az,
      lastStatus: 'RUNNING',
      desiredStatus: 'RUNNING',
      taskDefinitionArn: TD2,
      createdAtMs: T0 - 30 * MIN,
      privateIp: `10.0.${i}.${n + 10}`,
    }));
    ecs.tasks.set(name, tasks);
    loadBalancer.targets.set(
      tgArn(az),
      tasks.map((t) => ({ id: t.privateIp!, port: 8080, state: 'healthy' })),
    );
  }
  const log = new RecordingLog();
  const metrics = new RecordingMetricSink();
  const config = runtimeConfig(3, resolveFailoverPolicy({ dryRun: options.dryRun }));
  const handler = createTaskReplacerHandler({ ecs, loadBalancer, store, metrics, clock, log, config });
  return { calls, clock, store, ecs, loadBalancer, log, handler };
}

async function audits(store: MemoryObjectStore): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const info of store.list(AUDIT_PREFIX))
    out.push(decodeJson((await store.get(info.key))!.body) as AuditRecord);
  return out;
}

const probeFailing = (store: MemoryObjectStore, ip: string, count: number, atMs: number) =>
  store.put(
    probeStateKey(AZS[0]),
    new TextEncoder().encode(JSON.stringify({ atMs, consecutiveFailures: { [ip]: count } })),
  );

describe('task-replacer shell', () => {
  test('GIVEN a task ELB calls healthy but the prober sees failing WHEN the tick comes THEN exactly one StopTask with the marker', async () => {
    const w = world();
    await probeFailing(w.store, '10.0.0.10', 4, T0 - 10_000);
    const result = await w.handler(events.schedule('tick-1'));
    expect(result.decision).toBe('stop-tasks');
    expect(w.calls).toEqual([
      {
        api: 'StopTask',
        taskArn: 'arn:aws:ecs:us-east-1:111111111111:task/bulkhead/a0',
        reason: expect.stringMatching(/^\[bulkhead\] probe-failing: ELB calls 10.0.0.10 healthy/),
      },
    ]);
  });

  test('GIVEN a stop was made 2 min ago (audit log) WHEN another task fails THEN the guard refuses it', async () => {
    const w = world();
    await probeFailing(w.store, '10.0.0.10', 4, T0 - 10_000);
    await w.handler(events.schedule('tick-1'));
    // ECS has not yet shown the stop; only the audit log knows.
    w.clock.now += 2 * MIN;
    await probeFailing(w.store, '10.0.0.11', 4, w.clock.now - 10_000);
    const second = await w.handler(events.schedule('tick-2'));
    expect(second.decision).toBe('alert-only');
    expect(second.reason).toMatch(/guard refused every stop: stop limit 1/);
    expect(w.calls).toHaveLength(1);
  });

  test('GIVEN a stop ECS reports with our marker WHEN another task fails THEN the guard counts it too', async () => {
    const w = world();
    const tasks = w.ecs.tasks.get('cell-a')!;
    tasks.push({
      ...tasks[3],
      taskArn: 'old',
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stoppedAtMs: T0 - MIN,
      stoppedReason: `${STOP_REASON_MARKER} probe-failing: x`,
    });
    await probeFailing(w.store, '10.0.0.10', 4, T0 - 10_000);
    const result = await w.handler(events.schedule('tick-1'));
    expect(result.decision).toBe('alert-only');
    expect(w.calls).toEqual([]);
  });

  test('GIVEN a crash loop after a completed deployment and a known-good definition WHEN a task stops THEN the service rolls back', async () => {
    const w = world();
    const s = w.ecs.services.get('cell-a')!;
    w.ecs.services.set('cell-a', {
      ...s,
      deployments: [
        {
          id: 'd2',
          status: 'PRIMARY',
          rolloutState: 'COMPLETED',
          taskDefinition: TD2,
          createdAtMs: T0 - 20 * MIN,
          updatedAtMs: T0 - 15 * MIN,
          failedTasks: 0,
        },
      ],
    });
    await w.store.put(
      serviceStateKey('cell-a'),
      new TextEncoder().encode(
        JSON.stringify({ knownGood: { taskDefinition: TD1, sinceMs: T0 - 600 * MIN } }),
      ),
    );
    const tasks = w.ecs.tasks.get('cell-a')!;
    for (const n of [1, 2, 3]) {
      tasks.push({
        ...tasks[0],
        taskArn: `crashed-${n}`,
        lastStatus: 'STOPPED',
        desiredStatus: 'STOPPED',
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        stoppedAtMs: T0 - n * MIN,
      });
    }
    const result = await w.handler(
      events.task('ev-1', { taskArn: 'crashed-1', lastStatus: 'STOPPED', group: 'service:cell-a' }),
    );
    expect(result.decision).toBe('rollback');
    expect(w.calls).toEqual([{ api: 'UpdateService', service: 'cell-a', change: { taskDefinition: TD1 } }]);
    expect(decodeJson((await w.store.get(serviceStateKey('cell-a')))!.body)).toMatchObject({
      lastRollbackAtMs: T0,
    });
    // Redelivery of the same event: no second rollback.
    await w.handler(events.task('ev-1', { taskArn: 'crashed-1', lastStatus: 'STOPPED' }));
    expect(w.calls).toHaveLength(1);
  });

  test('GIVEN a task stuck in PROVISIONING WHEN the tick comes THEN it is stopped and a healthy cell is raised by one', async () => {
    const w = world();
    const tasks = w.ecs.tasks.get('cell-a')!;
    tasks.push({
      ...tasks[0],
      taskArn: 'stuck-1',
      lastStatus: 'PROVISIONING',
      createdAtMs: T0 - 8 * MIN,
      privateIp: undefined,
    });
    const result = await w.handler(events.schedule('tick-1'));
    expect(result.decision).toBe('stop-tasks');
    expect(w.calls).toEqual([
      {
        api: 'StopTask',
        taskArn: 'stuck-1',
        reason: expect.stringMatching(/^\[bulkhead\] stuck: PROVISIONING for 480 s/),
      },
      { api: 'UpdateService', service: 'cell-b', change: { desiredCount: 5 } },
    ]);
  });

  test('GIVEN dry-run or pause WHEN a stop is decided THEN no call is made and the record says why', async () => {
    for (const mode of ['dry-run', 'paused'] as const) {
      const w = world({ dryRun: mode === 'dry-run' });
      if (mode === 'paused') await w.store.put(PAUSE_KEY, serializePauseState({ paused: true }));
      await probeFailing(w.store, '10.0.0.10', 4, T0 - 10_000);
      const result = await w.handler(events.schedule('tick-1'));
      expect(result.decision).toBe('stop-tasks');
      expect(w.calls).toEqual([]);
      expect(result.actions[0]).toMatchObject({ api: 'StopTask', result: 'skipped', error: mode });
    }
  });

  test.each([
    [
      'another cluster’s task event',
      events.task('x', {
        clusterArn: 'arn:aws:ecs:us-east-1:111111111111:cluster/other',
        taskArn: 't',
        lastStatus: 'STOPPED',
      }),
      /another cluster/,
    ],
    [
      'a task event without taskArn',
      events.task('x', { lastStatus: 'STOPPED' }),
      /malformed event ignored: detail.taskArn/,
    ],
    ['a string', 'garbage', /malformed event ignored/],
  ])('GIVEN %s WHEN handled THEN a recorded no-op and no call', async (_name, event, reason) => {
    const w = world();
    await probeFailing(w.store, '10.0.0.10', 4, T0 - 10_000);
    const result = await w.handler(event);
    expect(result).toMatchObject({ decision: 'none', reason: expect.stringMatching(reason) });
    expect(w.calls).toEqual([]);
    expect(await audits(w.store)).toHaveLength(1);
  });

  test('GIVEN StopTask throttled past the retries WHEN stopping THEN the failure is recorded and the next run may retry', async () => {
    const w = world();
    await probeFailing(w.store, '10.0.0.10', 4, T0 - 10_000);
    w.ecs.fail = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const first = await w.handler(events.schedule('tick-1'));
    expect(first.actions[0]).toMatchObject({
      api: 'StopTask',
      result: 'failed',
      error: 'ThrottlingException: Rate exceeded',
    });
    w.ecs.fail = undefined;
    w.clock.now += MIN;
    await probeFailing(w.store, '10.0.0.10', 5, w.clock.now - 10_000);
    const second = await w.handler(events.schedule('tick-2'));
    expect(second.actions[0]).toMatchObject({ api: 'StopTask', result: 'ok' });
    expect(w.calls).toHaveLength(1);
  });
});

describe('task-replacer shell: unexpected failures', () => {
  test('GIVEN ECS describe failing after retries WHEN a task event comes THEN a recorded no-op, no throw', async () => {
    const w = world();
    w.ecs.describeServices = async () => {
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    };
    const result = await w.handler(events.task('ev-1', { taskArn: 't', lastStatus: 'STOPPED' }));
    expect(result).toMatchObject({
      decision: 'none',
      reason: 'gather failed, no action: ThrottlingException: Rate exceeded',
    });
    expect(w.calls).toEqual([]);
  });

  test('GIVEN the state bucket failing every read WHEN the tick comes THEN no throw and no call', async () => {
    const w = world();
    w.store.get = async () => {
      throw new Error('socket hang up');
    };
    w.store.put = async () => {
      throw new Error('socket hang up');
    };
    const result = await w.handler(events.schedule('tick-1'));
    expect(result).toMatchObject({
      decision: 'none',
      reason: expect.stringMatching(/run failed, no further action: Error: socket hang up/),
    });
    expect(w.calls).toEqual([]);
  });
});
