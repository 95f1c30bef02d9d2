import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { CloudWatchMetricReader } from '../../lambdas/adapters/aws/metric-reader';
import type { MetricQuery } from '../../lambdas/ports/metrics';

const cw = mockClient(CloudWatchClient);
beforeEach(() => cw.reset());

const q = (id: string): MetricQuery => ({
  id,
  namespace: 'AWS/ApplicationELB',
  metricName: 'RequestCount',
  dimensions: { LoadBalancer: 'app/x/1', TargetGroup: 'targetgroup/a/2' },
  stat: 'Sum',
  periodSeconds: 60,
});

describe('CloudWatchMetricReader', () => {
  test('GIVEN two pages WHEN read THEN series merge by id, ascend by time and keep query order', async () => {
    cw.on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'b', Timestamps: [new Date(120_000)], Values: [5] },
          { Id: 'a', Timestamps: [new Date(60_000)], Values: [1] },
        ],
        NextToken: 't1',
      })
      .resolvesOnce({ MetricDataResults: [{ Id: 'a', Timestamps: [new Date(0)], Values: [2] }] });
    const series = await new CloudWatchMetricReader(cw as unknown as CloudWatchClient).getMetricData(
      [q('a'), q('b'), q('c')],
      0,
      180_000,
    );
    expect(series).toEqual([
      {
        id: 'a',
        points: [
          { timestampMs: 0, value: 2 },
          { timestampMs: 60_000, value: 1 },
        ],
      },
      { id: 'b', points: [{ timestampMs: 120_000, value: 5 }] },
      { id: 'c', points: [] },
    ]);
    expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
    expect(cw).toHaveReceivedNthCommandWith(2, GetMetricDataCommand, { NextToken: 't1' });
    expect(cw).toHaveReceivedNthCommandWith(1, GetMetricDataCommand, {
      StartTime: new Date(0),
      EndTime: new Date(180_000),
      ScanBy: 'TimestampAscending',
      MetricDataQueries: expect.arrayContaining([
        {
          Id: 'a',
          ReturnData: true,
          MetricStat: {
            Metric: {
              Namespace: 'AWS/ApplicationELB',
              MetricName: 'RequestCount',
              Dimensions: [
                { Name: 'LoadBalancer', Value: 'app/x/1' },
                { Name: 'TargetGroup', Value: 'targetgroup/a/2' },
              ],
            },
            Period: 60,
            Stat: 'Sum',
          },
        },
      ]),
    });
  });

  test('GIVEN 501 queries WHEN read THEN they go in two calls of at most 500', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const queries = Array.from({ length: 501 }, (_, i) => q(`m${i}`));
    const series = await new CloudWatchMetricReader(cw as unknown as CloudWatchClient).getMetricData(
      queries,
      0,
      60_000,
    );
    expect(series).toHaveLength(501);
    const calls = cw.commandCalls(GetMetricDataCommand);
    expect(calls.map((c) => c.args[0].input.MetricDataQueries?.length)).toEqual([500, 1]);
  });
});
