import type {
  MetricPoint,
  MetricQuery,
  MetricReader,
  MetricSeries,
  MetricSink,
  MetricUnit,
} from '../../ports/metrics';

/** One stored sample: a statistic set (as PutMetricData's StatisticValues) plus raw values for percentiles. */
interface Sample {
  readonly timestampMs: number;
  /** When CloudWatch would make the sample readable. */
  readonly visibleAtMs: number;
  readonly sum: number;
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly values?: readonly number[];
}

/** One metric as stored: the exact dimension set is part of its identity, as in CloudWatch. */
export interface StoredMetricKey {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

function seriesKey(
  namespace: string,
  metricName: string,
  dimensions: Readonly<Record<string, string>>,
): string {
  const dims = Object.keys(dimensions)
    .sort()
    .map((k) => `${k}=${dimensions[k]}`)
    .join(',');
  return `${namespace}|${metricName}|${dims}`;
}

function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/**
 * The simulated CloudWatch: a metric store that implements {@link MetricReader} (GetMetricData) and
 * {@link MetricSink} (EMF). Like CloudWatch, a series is identified by namespace, name and the exact
 * dimension set, periods align to multiples of the period since the epoch, periods without samples
 * are absent from results, and a sample is invisible until its publication time.
 */
export class SimMetricStore implements MetricReader, MetricSink {
  private readonly series = new Map<string, { key: StoredMetricKey; samples: Sample[] }>();
  /** Every EMF put, in order, for reports. */
  readonly emitted: {
    timestampMs: number;
    name: string;
    value: number;
    unit: MetricUnit;
    dimensions: Record<string, string>;
  }[] = [];

  /**
   * @param nowMs the simulated clock
   * @param sinkNamespace namespace of metrics handlers put through the sink (EMF)
   */
  constructor(
    private readonly nowMs: () => number,
    private readonly sinkNamespace = 'Bulkhead',
  ) {}

  /** Publishes a statistic set for one period (the simulated ALB and prober use this). */
  publish(
    key: StoredMetricKey,
    timestampMs: number,
    stats: { sum: number; count: number; min: number; max: number; values?: readonly number[] },
    visibleAtMs: number,
  ): void {
    const id = seriesKey(key.namespace, key.metricName, key.dimensions);
    let entry = this.series.get(id);
    if (!entry) {
      entry = { key, samples: [] };
      this.series.set(id, entry);
    }
    const samples = entry.samples;
    const sample: Sample = { timestampMs, visibleAtMs, ...stats };
    // Samples arrive in time order almost always; keep the array sorted for the binary search below.
    let i = samples.length;
    while (i > 0 && samples[i - 1].timestampMs > timestampMs) i--;
    samples.splice(i, 0, sample);
  }

  /** Publishes one value at `timestampMs`, readable at once. */
  publishValue(key: StoredMetricKey, timestampMs: number, value: number): void {
    this.publish(
      key,
      timestampMs,
      { sum: value, count: 1, min: value, max: value, values: [value] },
      timestampMs,
    );
  }

  put(
    name: string,
    value: number,
    unit: MetricUnit,
    dimensions: Readonly<Record<string, string>> = {},
  ): void {
    const now = this.nowMs();
    this.emitted.push({ timestampMs: now, name, value, unit, dimensions: { ...dimensions } });
    this.publishValue({ namespace: this.sinkNamespace, metricName: name, dimensions }, now, value);
  }

  flush(): void {
    // EMF lines are ingested within seconds; the sim makes them readable at put time.
  }

  /** Every stored series (for `bulkhead status` and reports). */
  keys(): StoredMetricKey[] {
    return [...this.series.values()].map((s) => s.key);
  }

  async getMetricData(
    queries: readonly MetricQuery[],
    startMs: number,
    endMs: number,
  ): Promise<MetricSeries[]> {
    return queries.map((q) => ({ id: q.id, points: this.query(q, startMs, endMs) }));
  }

  /** Synchronous GetMetricData for one query (alarms use it). */
  query(q: MetricQuery, startMs: number, endMs: number): MetricPoint[] {
    const entry = this.series.get(seriesKey(q.namespace, q.metricName, q.dimensions));
    if (!entry) return [];
    const periodMs = q.periodSeconds * 1000;
    const now = this.nowMs();
    const samples = entry.samples;
    let lo = 0;
    let hi = samples.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (samples[mid].timestampMs < startMs) lo = mid + 1;
      else hi = mid;
    }
    const buckets = new Map<number, Sample[]>();
    for (let i = lo; i < samples.length && samples[i].timestampMs < endMs; i++) {
      const s = samples[i];
      if (s.visibleAtMs > now) continue;
      const bucket = Math.floor(s.timestampMs / periodMs) * periodMs;
      const list = buckets.get(bucket);
      if (list) list.push(s);
      else buckets.set(bucket, [s]);
    }
    const points: MetricPoint[] = [];
    for (const [timestampMs, list] of [...buckets.entries()].sort((a, b) => a[0] - b[0])) {
      points.push({ timestampMs, value: aggregate(q.stat, list) });
    }
    return points;
  }
}

function aggregate(stat: MetricQuery['stat'], list: readonly Sample[]): number {
  let sum = 0;
  let count = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const s of list) {
    sum += s.sum;
    count += s.count;
    min = Math.min(min, s.min);
    max = Math.max(max, s.max);
  }
  switch (stat) {
    case 'Sum':
      return sum;
    case 'Average':
      return count === 0 ? 0 : sum / count;
    case 'Minimum':
      return min;
    case 'Maximum':
      return max;
    case 'SampleCount':
      return count;
    default: {
      const p = Number(stat.slice(1));
      const values = list.flatMap((s) => s.values ?? [s.sum / Math.max(1, s.count)]).sort((a, b) => a - b);
      return values.length === 0 ? 0 : percentile(values, p);
    }
  }
}
