import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { CloudWatchMetricReader } from '../../lambdas/adapters/aws/metric-reader';
import { S3ObjectStore } from '../../lambdas/adapters/aws/s3-object-store';
import { MemoryObjectStore } from '../../lambdas/adapters/memory/memory-object-store';
import { type AvailabilityResult, createAvailabilityHandler } from '../../lambdas/availability/function';
import {
  type AvailabilityRuntimeConfig,
  availabilityRuntimeSchema,
} from '../../lambdas/config/availability-runtime';
import { appendIncidentEvent } from '../../lambdas/core/incidents';
import { RecordingLog } from '../../lambdas/ports/log';
import type { ObjectStore } from '../../lambdas/ports/object-store';
import type { UrlProbe, UrlProbeResult } from '../../lambdas/ports/url-probe';
import { RecordingMetricSink } from '../recording-metric-sink';

const MIN = 60_000;
const T = Date.UTC(2026, 10, 27, 12, 0, 30); // 30 s into a minute

class ScriptedProbe implements UrlProbe {
  calls = 0;
  constructor(private readonly results: UrlProbeResult[]) {}
  async get(): Promise<UrlProbeResult> {
    return this.results[this.calls++ % this.results.length];
  }
}

const config: AvailabilityRuntimeConfig = availabilityRuntimeSchema.parse({
  serviceName: 'web',
  loadBalancer: 'app/web/abc',
  cells: [
    { az: 'us-east-1a', targetGroup: 'targetgroup/a/1' },
    { az: 'us-east-1b', targetGroup: 'targetgroup/b/2' },
  ],
  slo: 0.999,
  sloWindow: '30d',
  probeUrl: 'http://web-123.us-east-1.elb.amazonaws.com/',
  probesPerRun: 3,
  probeTimeoutMs: 2000,
  errorRatioThreshold: 0.05,
  minRequestsPerMinute: 10,
  probeFailureThreshold: 0.5,
  openAfterMinutes: 2,
  closeAfterMinutes: 3,
  incidentAlarms: { 'bulkhead-us-east-1a-impaired': 'az:us-east-1a' },
});

/**
 * A scripted CloudWatch: every minute has 100 requests per target group and 3 probes; AZ a's
 * targets return 50 5xx per minute while `badFrom <= t < badUntil`.
 */
function cloudWatch(script: {
  badFrom: number;
  badUntil: number;
  silentTargetGroup?: string;
  silentElb?: boolean;
}) {
  const cw = mockClient(CloudWatchClient);
  cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
    const start = (input.StartTime as Date).getTime();
    const end = (input.EndTime as Date).getTime();
    return {
      MetricDataResults: (input.MetricDataQueries ?? []).map((q) => {
        const period = (q.MetricStat?.Period ?? 60) * 1000;
        const name = q.MetricStat?.Metric?.MetricName;
        const dims = Object.fromEntries(
          (q.MetricStat?.Metric?.Dimensions ?? []).map((d) => [d.Name, d.Value]),
        );
        const timestamps: Date[] = [];
        const values: number[] = [];
        if (dims.TargetGroup && dims.TargetGroup === script.silentTargetGroup) {
          return { Id: q.Id, Timestamps: [], Values: [], StatusCode: 'Complete' };
        }
        for (let t = start; t < end; t += period) {
          const perMinute = (minuteStart: number) => {
            const bad =
              dims.TargetGroup === 'targetgroup/a/1' &&
              minuteStart >= script.badFrom &&
              minuteStart < script.badUntil;
            if (name === 'RequestCount') return 100;
            if (name === 'HTTPCode_Target_5XX_Count') return bad ? 50 : 0;
            if (name === 'HTTPCode_ELB_5XX_Count') return 0;
            if (name === 'EndToEndProbeCount') return 3;
            return 0;
          };
          let v = 0;
          for (let m = t; m < t + period; m += MIN) v += perMinute(m);
          timestamps.push(new Date(t));
          values.push(v);
        }
        return { Id: q.Id, Timestamps: timestamps, Values: values, StatusCode: 'Complete' };
      }),
    };
  });
  return cw;
}

function setup(
  store: ObjectStore,
  cw: ReturnType<typeof cloudWatch>,
  probe = new ScriptedProbe([{ ok: true, status: 200, latencyMs: 12 }]),
) {
  let now = T;
  const sink = new RecordingMetricSink();
  const log = new RecordingLog();
  const handler = createAvailabilityHandler({
    store,
    metrics: new CloudWatchMetricReader(cw as unknown as CloudWatchClient),
    sink,
    probe,
    clock: { nowMs: () => now },
    log,
    config,
  });
  return { handler, sink, log, probe, advance: (ms: number) => (now += ms) };
}

const tick = { 'detail-type': 'Scheduled Event', source: 'aws.events', time: new Date(T).toISOString() };
const asReport = (r: AvailabilityResult) => {
  if (r.kind !== 'report') throw new Error(`expected a report, got ${r.kind}`);
  return r;
};

describe('availability handler on a schedule', () => {
  // The run at T reads minutes up to floor(T) - 2 min lag = 11:58:00. AZ a turns bad at 11:53.
  const endMs = Date.UTC(2026, 10, 27, 11, 58);
  const badFrom = endMs - 5 * MIN;

  test('GIVEN AZ a returning 25% 5xx for 5 minutes WHEN the schedule fires THEN incidents open for AZ a and the service, once', async () => {
    const store = new MemoryObjectStore(() => T);
    const cw = cloudWatch({ badFrom, badUntil: Number.POSITIVE_INFINITY });
    const { handler, sink, probe, advance } = setup(store, cw);

    const first = asReport(await handler(tick));

    expect(first.appended.map((e) => [e.kind, e.scope, e.cause, e.atMs])).toEqual([
      ['open', 'service', 'sli:requests', badFrom],
      ['open', 'az:us-east-1a', 'sli:requests', badFrom],
    ]);
    expect(probe.calls).toBe(3);
    // Two GetMetricData calls: minutes since the hour before now-6h, and hours for the 30 days before that.
    const calls = cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.MetricDataQueries?.[0].MetricStat?.Period).sort()).toEqual([3600, 60]);
    expect(calls.find((c) => c.MetricDataQueries?.[0].MetricStat?.Period === 60)?.EndTime).toEqual(
      new Date(endMs),
    );
    expect(calls[0].MetricDataQueries?.map((q) => q.Id).sort()).toEqual(
      ['e2ec', 'e2ef', 'elb0', 'elb1', 'req0', 'req1', 'tgt0', 'tgt1'].map(
        (id) => `${id}${calls[0].MetricDataQueries?.[0].Id?.slice(-2)}`,
      ),
    );

    // Hand-worked: over the last 5 minutes the service served 200 req/min with 50 bad: 25 % errors,
    // burn rate 0.25 / 0.001 = 250. The incidents opened at 11:53 and 'now' is 12:00:30: 7.5 min of downtime.
    const service = first.report.scopes['service'];
    expect(service.burnRates.requests?.['5m']).toBeCloseTo(250, 6);
    expect(service.windows['1h'].time.downtimeMs).toBe(7.5 * MIN);
    expect(service.windows['1h'].time.openIncidents).toBe(1);
    expect(sink.find('BurnRate', { Service: 'web', Sli: 'requests', Window: '5m' })[0]?.value).toBeCloseTo(
      250,
      6,
    );
    expect(
      sink.find('TimeAvailability', { Service: 'web', AZ: 'us-east-1a', Window: '1h' })[0]?.value,
    ).toBeCloseTo((52.5 / 60) * 100, 6);
    expect(sink.find('TimeAvailability', { Service: 'web', AZ: 'us-east-1b', Window: '1h' })[0]?.value).toBe(
      100,
    );
    expect(sink.find('Mttr', { Service: 'web', Window: '1h' })[0]?.value).toBe(450);
    expect(sink.find('Mtbf', { Service: 'web', AZ: 'us-east-1b', Window: '1h' })).toEqual([]); // no failure: no MTBF, not 0
    expect(sink.find('EndToEndProbeCount', { Service: 'web' })[0]?.value).toBe(3);
    expect(sink.find('EndToEndProbeLatency', { Service: 'web' })).toHaveLength(3);
    expect(sink.flushes).toBe(1);

    advance(MIN);
    const second = asReport(await handler(tick));
    expect(second.appended).toEqual([]); // already open: nothing new, no duplicate
  });

  test('GIVEN an open incident WHEN AZ a recovers for 3 minutes THEN it closes at the first good minute', async () => {
    const store = new MemoryObjectStore(() => T);
    const recoveredAt = endMs - 3 * MIN;
    for (const scope of ['service', 'az:us-east-1a'] as const) {
      await appendIncidentEvent(store, {
        schemaVersion: 1,
        kind: 'open',
        scope,
        cause: 'sli:requests',
        atMs: endMs - 10 * MIN,
        observedAtMs: endMs - 8 * MIN,
        source: 'availability',
      });
    }
    const { handler } = setup(store, cloudWatch({ badFrom: endMs - 10 * MIN, badUntil: recoveredAt }));
    const result = asReport(await handler(tick));
    expect(result.appended.map((e) => [e.kind, e.scope, e.atMs])).toEqual([
      ['close', 'service', recoveredAt],
      ['close', 'az:us-east-1a', recoveredAt],
    ]);
    const hour = result.report.scopes['az:us-east-1a'].windows['1h'].time;
    expect(hour).toMatchObject({
      failures: 1,
      downtimeMs: 7 * MIN,
      mttrMs: 7 * MIN,
      mttdMs: 2 * MIN,
      openIncidents: 0,
    });
  });

  test('GIVEN malformed and skewed records in the log WHEN the schedule fires THEN they are logged, counted and skipped', async () => {
    const store = new MemoryObjectStore(() => T);
    await store.put('incidents/2026-11-27/garbage.json', new TextEncoder().encode('{"kind":"open"'));
    const { handler, sink, log } = setup(store, cloudWatch({ badFrom: 0, badUntil: 0 }));
    const result = asReport(await handler(tick));
    expect(result.findings).toEqual([
      expect.objectContaining({ code: 'malformed', key: 'incidents/2026-11-27/garbage.json' }),
    ]);
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'incident log: malformed',
        extra: expect.objectContaining({ key: 'incidents/2026-11-27/garbage.json' }),
      }),
    );
    expect(sink.find('IncidentLogFindings', { Severity: 'error' })[0]?.value).toBe(1);
    expect(result.report.scopes['service'].windows['30d'].time.availability).toBe(1);
  });

  test('GIVEN failing end-to-end probes WHEN the schedule fires THEN failures are published and logged', async () => {
    const probe = new ScriptedProbe([{ ok: false, latencyMs: 2000, error: 'timeout after 2000 ms' }]);
    const { handler, sink, log } = setup(
      new MemoryObjectStore(() => T),
      cloudWatch({ badFrom: 0, badUntil: 0 }),
      probe,
    );
    const result = asReport(await handler(tick));
    expect(result.probes).toHaveLength(3);
    expect(sink.find('EndToEndProbeFailures', { Service: 'web' })[0]?.value).toBe(3);
    expect(log.lines.some((l) => l.level === 'warn' && l.message === 'end-to-end probes failed')).toBe(true);
  });
});

describe('signal gaps', () => {
  test('GIVEN AZ b without any traffic and no zonal probe WHEN the hour has passed THEN that hour is recorded as a gap, once', async () => {
    const store = new MemoryObjectStore(() => T);
    const cw = cloudWatch({ badFrom: 0, badUntil: 0, silentTargetGroup: 'targetgroup/b/2' });
    const { handler, advance } = setup(store, cw);
    // At 12:00:30 the evaluated minutes end at 11:58: the 11:00 hour is not over, nothing is final yet.
    const first = asReport(await handler(tick));
    expect(first.appended.filter((e) => e.kind === 'gap')).toEqual([]);
    advance(2 * MIN); // 12:02:30: minutes up to 12:00 are in, the 11:00-12:00 block is complete
    const second = asReport(await handler(tick));
    expect(second.appended.filter((e) => e.kind === 'gap').map((e) => [e.scope, e.atMs, e.endMs])).toEqual([
      ['az:us-east-1b', Date.UTC(2026, 10, 27, 11), Date.UTC(2026, 10, 27, 12)],
    ]);
    expect(second.report.scopes['az:us-east-1b'].windows['1d'].time.unobservedMs).toBe(60 * MIN);
    advance(MIN);
    const third = asReport(await handler(tick));
    expect(third.appended).toEqual([]); // the same piece again: same key, nothing new
  });
});

describe('listener weights', () => {
  test('GIVEN a listener with AZ b evacuated WHEN the schedule fires THEN each AZ weight and share are published', async () => {
    const cw = cloudWatch({ badFrom: 0, badUntil: 0 });
    const sink = new RecordingMetricSink();
    const handler = createAvailabilityHandler({
      store: new MemoryObjectStore(() => T),
      metrics: new CloudWatchMetricReader(cw as unknown as CloudWatchClient),
      sink,
      probe: new ScriptedProbe([{ ok: true, status: 200, latencyMs: 5 }]),
      clock: { nowMs: () => T },
      log: new RecordingLog(),
      loadBalancer: {
        getListenerWeights: async () => [
          { targetGroupArn: 'arn:tg/a', weight: 3 },
          { targetGroupArn: 'arn:tg/b', weight: 0 },
        ],
        setListenerWeights: async () => {
          throw new Error('the availability function never writes weights');
        },
        describeTargetHealth: async () => [],
      },
      config: {
        ...config,
        listenerArn: 'arn:listener',
        cells: [
          { ...config.cells[0], targetGroupArn: 'arn:tg/a' },
          { ...config.cells[1], targetGroupArn: 'arn:tg/b' },
        ],
      },
    });
    await handler(tick);
    expect(sink.find('ListenerWeight', { AZ: 'us-east-1a' })[0]?.value).toBe(3);
    expect(sink.find('ListenerWeightShare', { AZ: 'us-east-1a' })[0]?.value).toBe(100);
    expect(sink.find('ListenerWeightShare', { AZ: 'us-east-1b' })[0]?.value).toBe(0);
  });
});

describe('availability handler on alarm state changes', () => {
  const alarm = (value: string, timestamp: string, alarmName = 'bulkhead-us-east-1a-impaired') => ({
    version: '0',
    id: 'evt-1',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    time: timestamp,
    detail: {
      alarmName,
      state: {
        value,
        reason: 'Threshold Crossed',
        reasonData: JSON.stringify({ startDate: '2026-11-27T11:57:00.000+0000' }),
        timestamp: timestamp.replace('Z', '+0000'),
      },
      previousState: { value: 'OK' },
      extraField: true,
    },
  });

  test('GIVEN ALARM, a redelivery and OK WHEN handled THEN one incident opens and closes, idempotently', async () => {
    const store = new MemoryObjectStore(() => T);
    const { handler } = setup(store, cloudWatch({ badFrom: 0, badUntil: 0 }));
    const opened = await handler(alarm('ALARM', '2026-11-27T11:59:00.000Z'));
    expect(opened).toMatchObject({
      kind: 'alarm',
      written: true,
      event: {
        kind: 'open',
        scope: 'az:us-east-1a',
        cause: 'alarm:bulkhead-us-east-1a-impaired',
        atMs: Date.UTC(2026, 10, 27, 11, 57),
        observedAtMs: Date.UTC(2026, 10, 27, 11, 59),
      },
    });
    expect(await handler(alarm('ALARM', '2026-11-27T11:59:00.000Z'))).toMatchObject({
      kind: 'alarm',
      written: false,
    });
    expect(await handler(alarm('OK', '2026-11-27T12:05:00.000Z'))).toMatchObject({
      kind: 'alarm',
      written: true,
      event: { kind: 'close' },
    });
    const keys: string[] = [];
    for await (const o of store.list('incidents/')) keys.push(o.key);
    expect(keys).toHaveLength(2);
  });

  test.each([
    [
      'an unknown alarm',
      alarm('ALARM', '2026-11-27T11:59:00.000Z', 'someone-elses'),
      /not an incident alarm/,
    ],
    ['INSUFFICIENT_DATA', alarm('INSUFFICIENT_DATA', '2026-11-27T11:59:00.000Z'), /no evidence either way/],
    ['an unreadable timestamp', alarm('ALARM', 'yesterday'), /unreadable state timestamp: yesterday/],
    [
      'a foreign event',
      { 'detail-type': 'ECS Task State Change' },
      /unsupported event \(detail-type "ECS Task State Change"\)/,
    ],
    ['null', null, /unsupported event/],
  ])('GIVEN %s WHEN handled THEN it is ignored with a clear reason', async (_name, event, reason) => {
    const store = new MemoryObjectStore(() => T);
    const { handler } = setup(store, cloudWatch({ badFrom: 0, badUntil: 0 }));
    const result = await handler(event);
    expect(result.kind).toBe('ignored');
    if (result.kind === 'ignored') expect(result.reason).toMatch(reason);
  });
});

describe('availability handler over the S3 adapter (aws-sdk-client-mock)', () => {
  test('GIVEN an empty state bucket WHEN an impairment alarm fires THEN the open is a conditional PutObject under incidents/', async () => {
    const s3 = mockClient(S3Client);
    s3.on(ListObjectsV2Command).resolves({ Contents: [], IsTruncated: false });
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' }));
    s3.on(PutObjectCommand).resolves({ ETag: '"abc"' });
    const store = new S3ObjectStore({ client: s3 as unknown as S3Client, bucket: 'state-bucket' });
    const { handler } = setup(store, cloudWatch({ badFrom: 0, badUntil: 0 }));
    await handler(alarm('ALARM'));
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'state-bucket',
      IfNoneMatch: '*',
      Key: expect.stringMatching(/^incidents\/2026-11-27\/\d{15}-open-[0-9a-f]{16}\.json$/),
    });

    function alarm(value: string) {
      return {
        'detail-type': 'CloudWatch Alarm State Change',
        detail: {
          alarmName: 'bulkhead-us-east-1a-impaired',
          state: { value, timestamp: '2026-11-27T11:59:00.000+0000' },
        },
      };
    }
  });

  test('GIVEN a duplicate delivery WHEN S3 answers 412 THEN the append reports "already recorded", not an error', async () => {
    const s3 = mockClient(S3Client);
    s3.on(PutObjectCommand).rejects(
      Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
        name: 'PreconditionFailed',
        $metadata: { httpStatusCode: 412 },
      }),
    );
    const store = new S3ObjectStore({ client: s3 as unknown as S3Client, bucket: 'state-bucket' });
    const { handler } = setup(store, cloudWatch({ badFrom: 0, badUntil: 0 }));
    const result = await handler({
      'detail-type': 'CloudWatch Alarm State Change',
      detail: {
        alarmName: 'bulkhead-us-east-1a-impaired',
        state: { value: 'OK', timestamp: '2026-11-27T12:09:00.000+0000' },
      },
    });
    expect(result).toMatchObject({ kind: 'alarm', written: false });
  });
});
