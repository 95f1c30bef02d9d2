import fc from 'fast-check';
import { STOP_REASON_MARKER } from '../../lambdas/core/failover-policy';
import { stopLimit } from '../../lambdas/core/stop-guard';
import type { EcsService, EcsTask } from '../../lambdas/ports/ecs';
import { decide, type TaskReplacerCell } from '../../lambdas/task-replacer/decide';
import { AZS, policyWith } from './fixtures';

const policy = policyWith({ guard: { minHealthyPercent: 'service' } });
const NOW = 1_800_000_000_000;
const MIN = 60_000;
const TD1 = 'arn:aws:ecs:us-east-1:111111111111:task-definition/app:1';
const TD2 = 'arn:aws:ecs:us-east-1:111111111111:task-definition/app:2';

function service(az: string, extra: Partial<EcsService> = {}): EcsService {
  const name = `cell-${az.slice(-1)}`;
  return {
    serviceName: name,
    serviceArn: `arn:aws:ecs:us-east-1:111111111111:service/bulkhead/${name}`,
    taskDefinition: TD2,
    desiredCount: 4,
    runningCount: 4,
    pendingCount: 0,
    minimumHealthyPercent: 50,
    deployments: [
      {
        id: 'd2',
        status: 'PRIMARY',
        rolloutState: 'COMPLETED',
        taskDefinition: TD2,
        createdAtMs: NOW - 60 * MIN,
        updatedAtMs: NOW - 30 * MIN,
        failedTasks: 0,
      },
    ],
    ...extra,
  };
}

function task(az: string, n: number, extra: Partial<EcsTask> = {}): EcsTask {
  return {
    taskArn: `arn:aws:ecs:us-east-1:111111111111:task/bulkhead/${az.slice(-1)}${n}`,
    availabilityZone: az,
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    taskDefinitionArn: TD2,
    createdAtMs: NOW - 20 * MIN,
    privateIp: `10.0.${AZS.indexOf(az)}.${n + 10}`,
    ...extra,
  };
}

function cell(az: string, extra: Partial<TaskReplacerCell> = {}): TaskReplacerCell {
  const tasks = [0, 1, 2, 3].map((n) => task(az, n));
  return {
    az,
    service: service(az),
    tasks,
    stoppedTasks: [],
    targets: tasks.map((t) => ({ id: t.privateIp!, port: 8080, state: 'healthy' as const })),
    probeFailures: Object.fromEntries(tasks.map((t) => [t.privateIp!, 0])),
    auditedStops: [],
    knownGood: { taskDefinition: TD1, sinceMs: NOW - 120 * MIN },
    ...extra,
  };
}

const crash = (az: string, n: number, agoMs: number): EcsTask =>
  task(az, 100 + n, {
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    stoppedAtMs: NOW - agoMs,
  });

const a = AZS[0];

describe('task-replacer decide: every branch', () => {
  test.each<[string, TaskReplacerCell[], string, RegExp]>([
    ['all well', [cell(a), cell(AZS[1])], 'none', /^$/],
    [
      'crash loop after a completed deployment',
      [cell(a, { stoppedTasks: [crash(a, 1, MIN), crash(a, 2, 2 * MIN), crash(a, 3, 3 * MIN)] })],
      'rollback',
      /rolling back to .*app:1/,
    ],
    ['two crashes only', [cell(a, { stoppedTasks: [crash(a, 1, MIN), crash(a, 2, 2 * MIN)] })], 'none', /^$/],
    [
      'crashes older than the window',
      [cell(a, { stoppedTasks: [crash(a, 1, 11 * MIN), crash(a, 2, 12 * MIN), crash(a, 3, 13 * MIN)] })],
      'none',
      /^$/,
    ],
    [
      'crash loop, known good is the current one',
      [
        cell(a, {
          knownGood: { taskDefinition: TD2, sinceMs: 0 },
          stoppedTasks: [crash(a, 1, MIN), crash(a, 2, MIN), crash(a, 3, MIN)],
        }),
      ],
      'alert-only',
      /no earlier known-good/,
    ],
    [
      'crash loop, recent rollback',
      [
        cell(a, {
          lastRollbackAtMs: NOW - 10 * MIN,
          stoppedTasks: [crash(a, 1, MIN), crash(a, 2, MIN), crash(a, 3, MIN)],
        }),
      ],
      'alert-only',
      /rollback happened/,
    ],
    [
      'crash loop while the deployment is in progress: ECS circuit breaker territory',
      [
        cell(a, {
          service: service(a, {
            deployments: [
              {
                id: 'd2',
                status: 'PRIMARY',
                rolloutState: 'IN_PROGRESS',
                taskDefinition: TD2,
                createdAtMs: NOW - 5 * MIN,
                updatedAtMs: NOW - 5 * MIN,
                failedTasks: 3,
              },
            ],
          }),
          stoppedTasks: [crash(a, 1, MIN), crash(a, 2, MIN), crash(a, 3, MIN)],
        }),
      ],
      'none',
      /^$/,
    ],
    [
      'our own stops are not crashes',
      [
        cell(a, {
          stoppedTasks: [1, 2, 3].map((n) => ({
            ...crash(a, n, MIN),
            stopCode: 'UserInitiated',
            stoppedReason: `${STOP_REASON_MARKER} stuck`,
          })),
        }),
      ],
      'none',
      /^$/,
    ],
    [
      'a task stuck in PENDING past the limit',
      [
        cell(a, {
          tasks: [...cell(a).tasks, task(a, 9, { lastStatus: 'PENDING', createdAtMs: NOW - 6 * MIN })],
        }),
        cell(AZS[1]),
      ],
      'stop-tasks',
      /stuck \(PENDING for 360 s\)/,
    ],
    [
      'a task PROVISIONING under the limit',
      [
        cell(a, {
          tasks: [...cell(a).tasks, task(a, 9, { lastStatus: 'PROVISIONING', createdAtMs: NOW - 4 * MIN })],
        }),
      ],
      'none',
      /^$/,
    ],
    [
      'ELB healthy, prober failing',
      [cell(a, { probeFailures: { '10.0.0.10': 3 } })],
      'stop-tasks',
      /probe-failing .*3 probes in a row/,
    ],
    [
      'ELB healthy, prober failing twice only',
      [cell(a, { probeFailures: { '10.0.0.10': 2 } })],
      'none',
      /^$/,
    ],
    [
      'ELB unhealthy (ECS replaces it), prober failing',
      [
        cell(a, {
          probeFailures: { '10.0.0.10': 5 },
          targets: cell(a).targets.map((t, i) => (i === 0 ? { ...t, state: 'unhealthy' as const } : t)),
        }),
      ],
      'none',
      /^$/,
    ],
    [
      'most of the cell failing probes: zonal',
      [cell(a, { probeFailures: { '10.0.0.10': 3, '10.0.0.11': 3, '10.0.0.12': 3 } })],
      'alert-only',
      /zonal, left to the zone-shifter/,
    ],
    [
      'guard used up by an earlier stop',
      [
        cell(a, {
          probeFailures: { '10.0.0.10': 3 },
          auditedStops: [{ taskArn: 'old', atMs: NOW - 2 * MIN }],
        }),
      ],
      'alert-only',
      /guard refused every stop: stop limit 1/,
    ],
    ['no prober data', [cell(a, { probeFailures: undefined })], 'none', /^$/],
  ])('GIVEN %s WHEN deciding THEN %s', (_name, given, summary, reason) => {
    const decision = decide({ nowMs: NOW, cells: given, policy });
    expect(decision.summary).toBe(summary);
    const text = decision.cells
      .filter((c) => c.kind !== 'none')
      .map((c) => c.reason)
      .join(' | ');
    expect(text).toMatch(reason);
  });

  test('GIVEN stuck tasks in one cell WHEN deciding THEN the healthy cells are raised by the number stopped', () => {
    const stuck = [8, 9].map((n) => task(a, n, { lastStatus: 'PROVISIONING', createdAtMs: NOW - 10 * MIN }));
    const decision = decide({
      nowMs: NOW,
      cells: [
        cell(a, {
          tasks: [...cell(a).tasks.slice(0, 2), ...stuck],
          service: service(a, { desiredCount: 20, runningCount: 2 }),
        }),
        cell(AZS[1]),
        cell(AZS[2]),
      ],
      policy,
    });
    expect(decision.cells[0]).toMatchObject({
      kind: 'stop-tasks',
      stops: [{ why: 'stuck' }, { why: 'stuck' }],
    });
    expect(decision.scaleUps).toEqual([
      { az: AZS[1], serviceName: 'cell-b', desiredCount: 5 },
      { az: AZS[2], serviceName: 'cell-c', desiredCount: 5 },
    ]);
  });

  test('GIVEN healthy cells already raised in earlier runs WHEN more stuck tasks are stopped THEN no further raise (no runaway)', () => {
    const stuck = [8].map((n) => task(a, n, { lastStatus: 'PENDING', createdAtMs: NOW - 10 * MIN }));
    const decision = decide({
      nowMs: NOW,
      cells: [
        cell(a, {
          tasks: [...cell(a).tasks.slice(0, 1), ...stuck],
          service: service(a, { desiredCount: 4, runningCount: 1 }),
        }),
        cell(AZS[1], { service: service(AZS[1], { desiredCount: 6, runningCount: 6 }) }),
        cell(AZS[2], { service: service(AZS[2], { desiredCount: 6, runningCount: 6 }) }),
      ],
      policy,
    });
    // Cells deploy at 4 each: the two healthy ones carrying all 12 need 6 each, which they have.
    expect(decision.cells[0]).toMatchObject({ kind: 'stop-tasks' });
    expect(decision.scaleUps).toEqual([]);
  });

  test('GIVEN a cell steady on a new task definition long enough WHEN deciding THEN it becomes known good', () => {
    const decision = decide({ nowMs: NOW, cells: [cell(a)], policy });
    expect(decision.knownGood).toEqual({ 'cell-a': { taskDefinition: TD2, sinceMs: NOW } });
    const young = decide({
      nowMs: NOW,
      cells: [
        cell(a, {
          service: service(a, {
            deployments: [
              {
                id: 'd2',
                status: 'PRIMARY',
                rolloutState: 'COMPLETED',
                taskDefinition: TD2,
                createdAtMs: NOW - 9 * MIN,
                updatedAtMs: NOW - 5 * MIN,
                failedTasks: 0,
              },
            ],
          }),
        }),
      ],
      policy,
    });
    expect(young.knownGood).toEqual({});
  });
});

describe('task-replacer decide: properties', () => {
  test('stops per cell never exceed the guard, and running never drops below the floor', () => {
    const taskArb = fc.record({
      status: fc.constantFrom('RUNNING', 'PENDING', 'PROVISIONING'),
      ageMin: fc.integer({ min: 0, max: 30 }),
      probeFails: fc.integer({ min: 0, max: 6 }),
      elb: fc.constantFrom('healthy', 'unhealthy'),
    });
    fc.assert(
      fc.property(
        fc.array(taskArb, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 30 }),
        fc.constantFrom(0, 50, 100),
        fc.array(fc.integer({ min: 0, max: 10 }), { maxLength: 4 }),
        (specs, desired, minHealthy, pastAgoMin) => {
          const tasks = specs.map((s, i) =>
            task(a, i, {
              lastStatus: s.status as EcsTask['lastStatus'],
              createdAtMs: NOW - s.ageMin * MIN,
              privateIp: `10.9.0.${i}`,
            }),
          );
          const running = tasks.filter((t) => t.lastStatus === 'RUNNING').length;
          const c = cell(a, {
            service: service(a, {
              desiredCount: desired,
              runningCount: running,
              minimumHealthyPercent: minHealthy,
            }),
            tasks,
            targets: tasks.map((t, i) => ({
              id: t.privateIp!,
              port: 8080,
              state: specs[i].elb as 'healthy' | 'unhealthy',
            })),
            probeFailures: Object.fromEntries(tasks.map((t, i) => [t.privateIp!, specs[i].probeFails])),
            auditedStops: pastAgoMin.map((m, i) => ({ taskArn: `past-${i}`, atMs: NOW - m * MIN })),
          });
          const d = decide({ nowMs: NOW, cells: [c], policy });
          const stops = d.cells.flatMap((x) => (x.kind === 'stop-tasks' ? x.stops : []));
          const used = new Set(pastAgoMin.filter((m) => m * MIN < policy.guard.windowMs).map((_, i) => i))
            .size;
          expect(stops.length).toBeLessThanOrEqual(Math.max(0, stopLimit(desired, policy.guard) - used));
          const runningStops = stops.filter(
            (s) => tasks.find((t) => t.taskArn === s.taskArn)?.lastStatus === 'RUNNING',
          ).length;
          if (runningStops > 0)
            expect(running - runningStops).toBeGreaterThanOrEqual(Math.ceil((desired * minHealthy) / 100));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
