import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { MetricPoint, MetricQuery, MetricReader, MetricSeries } from '../../ports/metrics';

/** GetMetricData takes at most 500 queries per call. */
const MAX_QUERIES_PER_CALL = 500;

/**
 * The {@link MetricReader} port over CloudWatch GetMetricData. Queries are sent in batches of 500,
 * pages are followed to the end, and every series comes back ascending by time, in query order,
 * with an empty series for a query CloudWatch returned no datapoint for.
 */
export class CloudWatchMetricReader implements MetricReader {
  constructor(private readonly client: CloudWatchClient = new CloudWatchClient({})) {}

  async getMetricData(
    queries: readonly MetricQuery[],
    startMs: number,
    endMs: number,
  ): Promise<MetricSeries[]> {
    const points = new Map<string, MetricPoint[]>(queries.map((q) => [q.id, []]));
    for (let i = 0; i < queries.length; i += MAX_QUERIES_PER_CALL) {
      const batch = queries.slice(i, i + MAX_QUERIES_PER_CALL).map(toQuery);
      let nextToken: string | undefined;
      do {
        const page = await this.client.send(
          new GetMetricDataCommand({
            MetricDataQueries: batch,
            StartTime: new Date(startMs),
            EndTime: new Date(endMs),
            ScanBy: 'TimestampAscending',
            NextToken: nextToken,
          }),
        );
        for (const result of page.MetricDataResults ?? []) {
          const list = result.Id ? points.get(result.Id) : undefined;
          if (!list) continue;
          const timestamps = result.Timestamps ?? [];
          const values = result.Values ?? [];
          for (let k = 0; k < Math.min(timestamps.length, values.length); k++) {
            list.push({ timestampMs: timestamps[k].getTime(), value: values[k] });
          }
        }
        nextToken = page.NextToken;
      } while (nextToken);
    }
    return queries.map((q) => ({
      id: q.id,
      points: (points.get(q.id) ?? []).sort((a, b) => a.timestampMs - b.timestampMs),
    }));
  }
}

function toQuery(q: MetricQuery): MetricDataQuery {
  return {
    Id: q.id,
    ReturnData: true,
    MetricStat: {
      Metric: {
        Namespace: q.namespace,
        MetricName: q.metricName,
        Dimensions: Object.entries(q.dimensions).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: q.periodSeconds,
      Stat: q.stat,
    },
  };
}
