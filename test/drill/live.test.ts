import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeServicesCommand,
  ECSClient,
  StopTaskCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyTargetGroupCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { invokeFunction } from '../../cli/drill/invoke';
import { FAILING_HEALTH_PATH, type LiveDrillOptions, runLiveDrill } from '../../cli/drill/live';
import { type LiveTarget, livePorts } from '../../cli/drill/live-ports';
import { parseScenario } from '../../cli/drill/scenario';
import { readStatus } from '../../cli/drill/status';
import { MemoryObjectStore } from '../../lambdas/adapters/memory/memory-object-store';
import { resolveFailoverPolicy } from '../../lambdas/config/failover';
import { AUDIT_PREFIX } from '../../lambdas/core/audit-record';

const ecs = mockClient(ECSClient);
const elb = mockClient(ElasticLoadBalancingV2Client);
const cw = mockClient(CloudWatchClient);
const s3 = mockClient(S3Client);

// Every directory a test here makes (drill reports, a runtime config), removed once the file is done.
const dirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const AZS = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const tg = (az: string) =>
  `arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/bulkhead-${az}/0123456789abcdef`;
const target: LiveTarget = {
  bucket: 'bulkhead-state',
  config: {
    clusterName: 'bulkhead',
    clusterArn: 'arn:aws:ecs:us-east-1:111111111111:cluster/bulkhead',
    listenerArn:
      'arn:aws:elasticloadbalancing:us-east-1:111111111111:listener/app/bulkhead/0123456789abcdef/fedcba9876543210',
    alarmPrefix: 'Bulkhead-az-',
    cells: AZS.map((az) => ({ az, serviceName: `cell-${az}`, targetGroupArn: tg(az) })),
    policy: resolveFailoverPolicy({}),
    healthPath: '/',
    probeIntervalSeconds: 10,
    probesPerTarget: 1,
    probeTimeoutMs: 2000,
    runLeaseTtlMs: 50_000,
  },
};

beforeEach(() => {
  for (const m of [ecs, elb, cw, s3]) m.reset();
  ecs.on(DescribeServicesCommand).resolves({
    services: AZS.map((az) => ({
      serviceName: `cell-${az}`,
      desiredCount: 2,
      runningCount: 2,
      pendingCount: 0,
      deployments: [],
    })),
  });
  ecs.on(UpdateServiceCommand).resolves({});
  elb.on(DescribeListenersCommand).resolves({
    Listeners: [
      {
        DefaultActions: [
          {
            Type: 'forward',
            ForwardConfig: { TargetGroups: AZS.map((az) => ({ TargetGroupArn: tg(az), Weight: 100 })) },
          },
        ],
      },
    ],
  });
  elb.on(DescribeTargetHealthCommand).resolves({
    TargetHealthDescriptions: [
      { Target: { Id: '10.0.0.1', Port: 8080 }, TargetHealth: { State: 'healthy' } },
    ],
  });
  elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [{ HealthCheckPath: '/healthz' }] });
  elb.on(ModifyTargetGroupCommand).resolves({});
  cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
  s3.on(ListObjectsV2Command).resolves({ Contents: [] });
  s3.on(GetObjectCommand).rejects(
    Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }),
  );
  s3.on(PutObjectCommand).resolves({ ETag: '"e"' });
});

const outage = parseScenario({
  name: 'live-outage',
  description: 'cell b to zero',
  durationS: 60,
  faults: [{ kind: 'outage', az: 'us-east-1b', at: 10, until: 40 }],
});

function fakeTime() {
  let now = Date.UTC(2026, 0, 1);
  return {
    nowMs: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}

/** {@link runLiveDrill} on the mocked stack: silent, on fake time, into a fresh directory; `options` override. */
function liveDrill(options: Pick<LiveDrillOptions, 'scenarios' | 'yes'> & Partial<LiveDrillOptions>) {
  return runLiveDrill({
    out: options.out ?? tempDir('live-'),
    target,
    write: () => {},
    ...fakeTime(),
    ...options,
  });
}

describe('bulkhead drill --live (aws-sdk-client-mock)', () => {
  test('GIVEN no --yes and no terminal WHEN run THEN it refuses and calls nothing that changes AWS', async () => {
    const code = await liveDrill({ scenarios: [outage], yes: false });
    expect(code).toBe(2);
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    expect(elb.commandCalls(ModifyTargetGroupCommand)).toHaveLength(0);
  });

  test('GIVEN a typed confirmation other than "inject" WHEN run THEN nothing changes', async () => {
    const code = await liveDrill({ scenarios: [outage], yes: false, confirm: async () => 'yes' });
    expect(code).toBe(2);
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  test('GIVEN an outage WHEN run THEN the cell goes to 0 and back to its original count, and a report is written', async () => {
    const out = tempDir('live-');
    const code = await liveDrill({ scenarios: [outage], yes: true, out });
    expect(code).toBe(0);
    expect(ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input)).toEqual([
      { cluster: 'bulkhead', service: 'cell-us-east-1b', desiredCount: 0 },
      { cluster: 'bulkhead', service: 'cell-us-east-1b', desiredCount: 2 },
    ]);
    const report = JSON.parse(readFileSync(path.join(out, 'drill-report-live.json'), 'utf8'));
    expect(report.mode).toBe('live');
    expect(report.scenarios[0].bulkhead.timeline).toHaveLength(6);
    expect(report.scenarios[0].baseline).toBeUndefined();
  });

  test('GIVEN a gray fault and an AWS error mid-drill WHEN run THEN the health check path is still restored', async () => {
    const gray = parseScenario({
      name: 'live-gray',
      description: 'unhealthy targets in c',
      durationS: 60,
      faults: [{ kind: 'gray', az: 'us-east-1c', at: 0, errorRate: 1 }],
    });
    elb.on(DescribeTargetHealthCommand).rejects(new Error('AccessDenied'));
    await expect(liveDrill({ scenarios: [gray], yes: true })).rejects.toThrow();
    expect(elb.commandCalls(ModifyTargetGroupCommand).map((c) => c.args[0].input)).toEqual([
      { TargetGroupArn: tg('us-east-1c'), HealthCheckPath: FAILING_HEALTH_PATH },
      { TargetGroupArn: tg('us-east-1c'), HealthCheckPath: '/healthz' },
    ]);
  });

  test('GIVEN SIGINT during the drill WHEN it arrives THEN every injected fault is undone and the drill stops', async () => {
    const signals = new EventEmitter();
    const time = fakeTime();
    let ticks = 0;
    const code = await liveDrill({
      scenarios: [{ ...outage, faults: [{ kind: 'outage', az: 'us-east-1b', at: 0 }] }],
      yes: true,
      signals,
      nowMs: time.nowMs,
      sleep: async (ms) => {
        await time.sleep(ms);
        if (++ticks === 2) signals.emit('SIGINT');
      },
    });
    expect(code).toBe(1);
    expect(ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input.desiredCount)).toEqual([0, 2]);
    expect(signals.listenerCount('SIGINT')).toBe(0);
  });

  test('GIVEN a fault that cannot be injected live WHEN run THEN it is refused up front', async () => {
    const s = parseScenario({
      name: 'x',
      description: 'd',
      durationS: 60,
      faults: [{ kind: 'crash-loop', at: 0 }],
    });
    expect(await liveDrill({ scenarios: [s], yes: true })).toBe(2);
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });
});

describe('bulkhead invoke --live --dry-run and bulkhead status --live (aws-sdk-client-mock)', () => {
  const dir = tempDir('live-cfg-');
  const configFile = path.join(dir, 'runtime.json');
  writeFileSync(configFile, JSON.stringify(target.config));

  test('GIVEN a schedule event WHEN invoked live with --dry-run THEN the zone-shifter decides and calls no mutating API', async () => {
    const out = await invokeFunction({
      fn: 'zone-shifter',
      eventFile: path.join(__dirname, '..', '..', 'cli', 'drill', 'events', 'schedule.json'),
      seed: 1,
      live: true,
      dryRun: true,
      config: configFile,
      bucket: 'bulkhead-state',
    });
    expect(out.world).toMatch(/live stack .* dry-run/);
    expect(out.decision?.kind).toBe('none');
    expect(elb.commandCalls(ModifyListenerCommand)).toHaveLength(0);
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    expect(ecs.commandCalls(StopTaskCommand)).toHaveLength(0);
    expect(ecs.commandCalls(DescribeServicesCommand).length).toBeGreaterThan(0);
  });

  test('GIVEN --live without --dry-run WHEN invoked THEN it refuses', async () => {
    await expect(
      invokeFunction({
        fn: 'zone-shifter',
        eventFile: configFile,
        seed: 1,
        live: true,
        config: configFile,
        bucket: 'b',
      }),
    ).rejects.toThrow(/only with --dry-run/);
  });

  test('GIVEN a deployed stack WHEN status is read THEN weights, health and pause come from the AWS APIs', async () => {
    const status = await readStatus(livePorts(target), target.config, 'live');
    expect(status.cells.map((c) => [c.az, c.weight, c.desired, c.targets.healthy])).toEqual(
      AZS.map((az) => [az, 100, 2, 1]),
    );
    expect(status.pause.paused).toBe(false);
    expect(elb.commandCalls(DescribeTargetHealthCommand)).toHaveLength(3);
  });

  test('GIVEN audit records in the bucket WHEN status asks for 0 or 1 of them THEN none, or only the newest', async () => {
    const store = new MemoryObjectStore();
    for (const [i, t] of ['08:00', '09:00'].entries()) {
      const record = { function: 'zone-shifter', decision: 'none', reason: `run ${i}`, dryRun: false };
      await store.put(
        `${AUDIT_PREFIX}2027-01-15/2027-01-15T${t}:00.000Z-zone-shifter-${i}.json`,
        new TextEncoder().encode(JSON.stringify(record)),
      );
    }
    const ports = { ...livePorts(target), store };
    expect((await readStatus(ports, target.config, 'live', 0)).recentAudit).toEqual([]);
    const one = (await readStatus(ports, target.config, 'live', 1)).recentAudit;
    expect(one.map((r) => r.reason)).toEqual(['run 1']);
  });
});
