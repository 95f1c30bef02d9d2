import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  StopTaskCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { RecordingMetricSink } from '../recording-metric-sink';
import 'aws-sdk-client-mock-jest';
import {
  createEcs,
  createLoadBalancer,
  createMetricReader,
} from '../../lambdas/adapters/aws/failover-clients';
import { createS3Client, S3ObjectStore } from '../../lambdas/adapters/aws/s3-object-store';
import { FAILOVER_CONFIG_ENV, resolveFailoverPolicy, STATE_BUCKET_ENV } from '../../lambdas/config/failover';
import { PAUSE_KEY, serializePauseState } from '../../lambdas/core/pause';
import { probeStateKey } from '../../lambdas/core/probe-state';
import { systemClock } from '../../lambdas/ports/clock';
import { RecordingLog } from '../../lambdas/ports/log';
import { createZoneShifterHandler } from '../../lambdas/zone-shifter/function';
import { SHIFT_STATE_KEY } from '../../lambdas/zone-shifter/shift-state';
import { events, runtimeConfig } from './fakes';
import { AZS, LISTENER_ARN, tgArn } from './fixtures';
import { mockS3Bucket } from './mock-s3';

/**
 * The real handler.ts entries (env parsing, SDK adapters with retries, S3 object store) against
 * aws-sdk-client-mock: which API calls each decision makes, exactly.
 */

type Handler = (
  event: unknown,
) => Promise<{ decision: string; reason: string; actions: readonly { api: string; result: string }[] }>;

const ecs = mockClient(ECSClient);
const elb = mockClient(ElasticLoadBalancingV2Client);
const cw = mockClient(CloudWatchClient);
const { s3, objects } = mockS3Bucket();

const throttle = () =>
  Object.assign(new Error('Rate exceeded'), {
    name: 'ThrottlingException',
    $metadata: { httpStatusCode: 400 },
  });

/** Loads a real handler.ts: it reads the env once, at import, as on a cold start. */
function loadHandler(path: string): Handler {
  process.env[FAILOVER_CONFIG_ENV] = JSON.stringify(runtimeConfig(3, resolveFailoverPolicy()));
  process.env[STATE_BUCKET_ENV] = 'state-bucket';
  process.env.AWS_REGION = 'us-east-1';
  return require(path).handler;
}

/** Per-AZ samples for GetMetricData, by query id `c<cell>_<field>`, every period in the window. */
function serveMetrics(sickAz: number | undefined) {
  cw.on(GetMetricDataCommand).callsFake(metricsFake(sickAz));
}

function metricsFake(sickAz: number | undefined) {
  return async (input: GetMetricDataCommandInput) => {
    const start = (input.StartTime as Date).getTime();
    const end = (input.EndTime as Date).getTime();
    return {
      MetricDataResults: (input.MetricDataQueries ?? []).map((q) => {
        const [, cell, field] = /^c(\d+)_(\w+)$/.exec(q.Id ?? '')!;
        const sick = Number(cell) === sickAz;
        const values: Record<string, number> = sick
          ? {
              requests: 1000,
              faults: 300,
              latencyMs: 0.03,
              unhealthyHosts: 3,
              probes: 24,
              probeFailures: 18,
              probeFailedTargets: 3,
            }
          : {
              requests: 1000,
              faults: 1,
              latencyMs: 0.03,
              unhealthyHosts: 0,
              probes: 24,
              probeFailures: 0,
              probeFailedTargets: 0,
            };
        const timestamps: Date[] = [];
        for (let t = start; t < end; t += (q.MetricStat?.Period ?? 60) * 1000) timestamps.push(new Date(t));
        return { Id: q.Id, Timestamps: timestamps, Values: timestamps.map(() => values[field]) };
      }),
    };
  };
}

function listenerWith(weights: number[]) {
  elb.on(DescribeListenersCommand).resolves({
    Listeners: [
      {
        ListenerArn: LISTENER_ARN,
        DefaultActions: [
          {
            Type: 'forward',
            ForwardConfig: {
              TargetGroups: AZS.slice(0, 3).map((az, i) => ({
                TargetGroupArn: tgArn(az),
                Weight: weights[i],
              })),
              TargetGroupStickinessConfig: { Enabled: false },
            },
          },
        ],
      },
    ],
  });
}

function servicesWith(desired = 4) {
  ecs.on(DescribeServicesCommand).callsFake(async (input) => ({
    services: input.services.map((name: string) => ({
      serviceName: name,
      serviceArn: `arn:aws:ecs:us-east-1:111111111111:service/bulkhead/${name}`,
      taskDefinition: 'arn:aws:ecs:us-east-1:111111111111:task-definition/app:2',
      desiredCount: desired,
      runningCount: desired,
      pendingCount: 0,
      deployments: [],
      deploymentConfiguration: { minimumHealthyPercent: 100 },
    })),
  }));
}

beforeEach(() => {
  ecs.reset();
  elb.reset();
  cw.reset();
  objects.clear();
  listenerWith([1, 1, 1]);
  servicesWith();
  ecs.on(UpdateServiceCommand).resolves({});
  ecs.on(StopTaskCommand).resolves({});
  elb.on(ModifyListenerCommand).resolves({});
});

afterAll(() => {
  s3.restore();
});

describe('zone-shifter handler on mocked AWS', () => {
  const handler = loadHandler('../../lambdas/zone-shifter/handler');

  test('GIVEN AZ a sick WHEN its alarm fires THEN exactly one ModifyListener (full forward config) and two UpdateService', async () => {
    serveMetrics(0);
    const result = await handler(events.alarm('ev-1', 'Bulkhead-az-us-east-1a-alb'));
    expect(result.decision).toBe('evacuate');
    expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 1);
    expect(elb).toHaveReceivedCommandWith(ModifyListenerCommand, {
      ListenerArn: LISTENER_ARN,
      DefaultActions: [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: tgArn(AZS[0]), Weight: 0 },
              { TargetGroupArn: tgArn(AZS[1]), Weight: 100 },
              { TargetGroupArn: tgArn(AZS[2]), Weight: 100 },
            ],
            TargetGroupStickinessConfig: { Enabled: false },
          },
        },
      ],
    });
    expect(ecs).toHaveReceivedCommandTimes(UpdateServiceCommand, 2);
    expect(ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input)).toEqual([
      { cluster: 'bulkhead', service: 'cell-b', desiredCount: 6 },
      { cluster: 'bulkhead', service: 'cell-c', desiredCount: 6 },
    ]);
    expect(ecs).toHaveReceivedCommandTimes(StopTaskCommand, 0);
    expect([...objects.keys()].filter((k) => k.startsWith('audit/'))).toHaveLength(1);
    expect(objects.has(SHIFT_STATE_KEY)).toBe(true);
  });

  test('GIVEN all AZs healthy WHEN the schedule ticks THEN no mutating call', async () => {
    serveMetrics(undefined);
    expect((await handler(events.schedule('tick-1'))).decision).toBe('none');
    expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 0);
    expect(ecs).toHaveReceivedCommandTimes(UpdateServiceCommand, 0);
  });

  test('GIVEN a ramp at its last step WHEN it completes THEN equal weights and our scale-ups undone', async () => {
    serveMetrics(undefined);
    listenerWith([50, 100, 100]);
    servicesWith(6);
    const restoring = {
      phase: 'restoring',
      az: AZS[0],
      revision: 4,
      step: 1,
      stepAtMs: Date.now() - 600_000,
      lastActionAtMs: Date.now() - 600_000,
      restoreDesired: { [AZS[1]]: 4, [AZS[2]]: 4 },
      scaledTo: { [AZS[1]]: 6, [AZS[2]]: 6 },
    };
    objects.set(SHIFT_STATE_KEY, { body: new TextEncoder().encode(JSON.stringify(restoring)), etag: '"s1"' });
    const result = await handler(events.schedule('tick-1'));
    expect(result.decision).toBe('restore');
    expect(elb).toHaveReceivedCommandWith(ModifyListenerCommand, {
      DefaultActions: [
        expect.objectContaining({
          ForwardConfig: expect.objectContaining({
            TargetGroups: AZS.slice(0, 3).map((az) => ({ TargetGroupArn: tgArn(az), Weight: 100 })),
          }),
        }),
      ],
    });
    expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, { service: 'cell-b', desiredCount: 4 });
    expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, { service: 'cell-c', desiredCount: 4 });
  });

  test('GIVEN the pause switch WHEN AZ a is sick THEN no mutating call', async () => {
    serveMetrics(0);
    objects.set(PAUSE_KEY, { body: serializePauseState({ paused: true, reason: 'drill' }), etag: '"p"' });
    const result = await handler(events.alarm('ev-1', 'Bulkhead-az-us-east-1a-alb'));
    expect(result.decision).toBe('evacuate');
    expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 0);
    expect(ecs).toHaveReceivedCommandTimes(UpdateServiceCommand, 0);
  });

  test('GIVEN the same alarm event delivered twice WHEN handled THEN one ModifyListener', async () => {
    serveMetrics(0);
    await handler(events.alarm('ev-1', 'Bulkhead-az-us-east-1a-alb'));
    await handler(events.alarm('ev-1', 'Bulkhead-az-us-east-1a-alb'));
    expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 1);
  });

  test('GIVEN ModifyListener throttled twice WHEN evacuating THEN it is retried and succeeds on the third attempt', async () => {
    serveMetrics(0);
    elb.on(ModifyListenerCommand).rejectsOnce(throttle()).rejectsOnce(throttle()).resolves({});
    const result = await handler(events.alarm('ev-1', 'Bulkhead-az-us-east-1a-alb'));
    expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 3);
    expect(result.actions[0]).toMatchObject({ api: 'ModifyListener', result: 'ok' });
    expect(ecs).toHaveReceivedCommandTimes(UpdateServiceCommand, 2);
  }, 60_000);

  test('GIVEN ModifyListener always throttled WHEN evacuating THEN 5 attempts, a recorded failure, and no scale-up', async () => {
    serveMetrics(0);
    elb.on(ModifyListenerCommand).rejects(throttle());
    const result = await handler(events.alarm('ev-1', 'Bulkhead-az-us-east-1a-alb'));
    expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 5);
    expect(result.actions).toEqual([expect.objectContaining({ api: 'ModifyListener', result: 'failed' })]);
    expect(ecs).toHaveReceivedCommandTimes(UpdateServiceCommand, 0);
    const audit = [...objects.entries()].find(([k]) => k.startsWith('audit/'))!;
    expect(JSON.parse(new TextDecoder().decode(audit[1].body)).actions[0]).toMatchObject({
      result: 'failed',
      error: expect.stringMatching(/ThrottlingException/),
    });
    // Five real attempts with full-jitter backoff (up to ~6 s): a generous timeout, no timing assertion.
  }, 60_000);

  test('GIVEN GetMetricData throttled once WHEN a run reads metrics THEN it retries and still evacuates', async () => {
    cw.on(GetMetricDataCommand).rejectsOnce(throttle()).callsFake(metricsFake(0));
    const result = await handler(events.alarm('ev-1', 'Bulkhead-az-us-east-1a-alb'));
    // The one-minute read twice (throttled, then retried), then the prober's 10-s fast-path read.
    const periods = cw
      .commandCalls(GetMetricDataCommand)
      .map((c) => c.args[0].input.MetricDataQueries?.[0]?.MetricStat?.Period);
    expect(periods).toEqual([60, 60, 10]);
    expect(result.decision).toBe('evacuate');
  });
});

describe('zone-shifter in dry-run over the same AWS adapters', () => {
  // handler.ts reads its env once per process; dry-run is built from the same adapter factories.
  const handler = createZoneShifterHandler({
    ecs: createEcs(),
    loadBalancer: createLoadBalancer(),
    metricReader: createMetricReader(),
    store: new S3ObjectStore({ client: createS3Client({ region: 'us-east-1' }), bucket: 'state-bucket' }),
    metrics: new RecordingMetricSink(),
    clock: systemClock,
    log: new RecordingLog(),
    config: runtimeConfig(3, resolveFailoverPolicy({ dryRun: true })),
  });
  test('GIVEN dry-run WHEN AZ a is sick THEN the evacuation is recorded and no mutating call is made', async () => {
    serveMetrics(0);
    const result = await handler(events.alarm('ev-1', 'Bulkhead-az-us-east-1a-alb'));
    expect(result.decision).toBe('evacuate');
    expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 0);
    expect(ecs).toHaveReceivedCommandTimes(UpdateServiceCommand, 0);
    expect(ecs).toHaveReceivedCommandTimes(StopTaskCommand, 0);
  });
});

describe('task-replacer handler on mocked AWS', () => {
  const handler = loadHandler('../../lambdas/task-replacer/handler');

  function tasksFor(az: string, cellIndex: number) {
    return [0, 1, 2, 3].map((n) => ({
      taskArn: `arn:aws:ecs:us-east-1:111111111111:task/bulkhead/${az.slice(-1)}${n}`,
      availabilityZone: az,
      lastStatus: 'RUNNING',
      desiredStatus: 'RUNNING',
      taskDefinitionArn: 'arn:aws:ecs:us-east-1:111111111111:task-definition/app:2',
      createdAt: new Date(Date.now() - 3_600_000),
      attachments: [
        {
          type: 'ElasticNetworkInterface',
          details: [{ name: 'privateIPv4Address', value: `10.0.${cellIndex}.${n + 10}` }],
        },
      ],
    }));
  }

  beforeEach(() => {
    ecs.on(ListTasksCommand).callsFake(async (input) => ({
      taskArns:
        input.desiredStatus === 'RUNNING'
          ? tasksFor(`us-east-1${input.serviceName.slice(-1)}`, 0).map((t) => t.taskArn)
          : [],
    }));
    ecs.on(DescribeTasksCommand).callsFake(async (input) => ({
      tasks: AZS.slice(0, 3)
        .flatMap((az, i) => tasksFor(az, i))
        .filter((t) => input.tasks.includes(t.taskArn)),
    }));
    elb.on(DescribeTargetHealthCommand).callsFake(async (input) => {
      const i = AZS.findIndex((az) => tgArn(az) === input.TargetGroupArn);
      return {
        TargetHealthDescriptions: [0, 1, 2, 3].map((n) => ({
          Target: { Id: `10.0.${i}.${n + 10}`, Port: 8080 },
          TargetHealth: { State: 'healthy' },
        })),
      };
    });
  });

  test('GIVEN one task failing probes WHEN the schedule ticks THEN exactly one StopTask with the marker, throttling retried', async () => {
    objects.set(probeStateKey(AZS[0]), {
      body: new TextEncoder().encode(
        JSON.stringify({ atMs: Date.now(), consecutiveFailures: { '10.0.0.10': 3 } }),
      ),
      etag: '"p"',
    });
    ecs.on(StopTaskCommand).rejectsOnce(throttle()).resolves({});
    const result = await handler(events.schedule('tick-1'));
    expect(result.decision).toBe('stop-tasks');
    expect(ecs).toHaveReceivedCommandTimes(StopTaskCommand, 2);
    expect(ecs).toHaveReceivedCommandWith(StopTaskCommand, {
      cluster: 'bulkhead',
      task: 'arn:aws:ecs:us-east-1:111111111111:task/bulkhead/a0',
      reason: expect.stringMatching(/^\[bulkhead\] probe-failing/),
    });
    expect(ecs).toHaveReceivedCommandTimes(UpdateServiceCommand, 0);
  });
});
