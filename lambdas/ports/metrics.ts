/** Reads metric statistics (CloudWatch GetMetricData): the detection signal for failover and SLIs. */
export interface MetricReader {
  /** Returns one series per query, datapoints ascending by time; missing periods are absent. */
  getMetricData(queries: readonly MetricQuery[], startMs: number, endMs: number): Promise<MetricSeries[]>;
}

/** One metric statistic to read. */
export interface MetricQuery {
  /** Caller-chosen ID, echoed in the result (CloudWatch: lowercase start, [a-zA-Z0-9_]). */
  readonly id: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly stat: 'Sum' | 'Average' | 'Minimum' | 'Maximum' | 'SampleCount' | 'p50' | 'p90' | 'p99';
  readonly periodSeconds: number;
}

/** A query's datapoints. */
export interface MetricSeries {
  readonly id: string;
  readonly points: readonly MetricPoint[];
}

/** One datapoint: the period's start time and value. */
export interface MetricPoint {
  readonly timestampMs: number;
  readonly value: number;
}

/** Publishes metrics. On AWS this is EMF through Powertools Metrics; in drills, a recorder. */
export interface MetricSink {
  /** Records one value with its unit and dimensions. */
  put(name: string, value: number, unit: MetricUnit, dimensions?: Readonly<Record<string, string>>): void;
  /** Flushes what was recorded (EMF writes one log line per flush). */
  flush(): void;
}

/** Units accepted by CloudWatch that Bulkhead uses. */
export type MetricUnit = 'Count' | 'Seconds' | 'Milliseconds' | 'Percent' | 'Bytes' | 'None';
