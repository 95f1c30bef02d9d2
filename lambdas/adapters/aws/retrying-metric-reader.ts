import type { MetricQuery, MetricReader, MetricSeries } from '../../ports/metrics';
import { type RetryOptions, withRetry } from './retry';

/**
 * Wraps any {@link MetricReader} (the CloudWatch GetMetricData adapter in `metric-reader.ts`) so
 * throttled or failed reads are retried with backoff; reads are idempotent, so a whole read is retried.
 */
export class RetryingMetricReader implements MetricReader {
  constructor(
    private readonly inner: MetricReader,
    private readonly retry: RetryOptions = {},
  ) {}

  getMetricData(queries: readonly MetricQuery[], startMs: number, endMs: number): Promise<MetricSeries[]> {
    return withRetry(() => this.inner.getMetricData(queries, startMs, endMs), this.retry);
  }
}
