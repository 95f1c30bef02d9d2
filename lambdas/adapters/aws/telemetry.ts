import { Logger } from '@aws-lambda-powertools/logger';
import { MetricResolution, Metrics, MetricUnit as PowertoolsUnit } from '@aws-lambda-powertools/metrics';
import type { Log } from '../../ports/log';
import type { MetricSink, MetricUnit } from '../../ports/metrics';

/** Namespace of every metric Bulkhead publishes. */
export const METRICS_NAMESPACE = 'Bulkhead';

/** The Powertools Logger singleton: one per cold start, shared by every module of a function. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'bulkhead' });

/** The {@link Log} port over the Powertools Logger singleton, for every function's AWS entry. */
export const powertoolsLog: Log = {
  info: (message, extra) => logger.info(message, extra ?? {}),
  warn: (message, extra) => logger.warn(message, extra ?? {}),
  error: (message, extra) => logger.error(message, extra ?? {}),
};

/** The Powertools Metrics singleton (EMF). */
export const metrics = new Metrics({
  namespace: METRICS_NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'bulkhead',
});

/** Bulkhead's metric units as Powertools names them (shared by every EMF sink). */
export const POWERTOOLS_UNITS: Readonly<
  Record<MetricUnit, (typeof PowertoolsUnit)[keyof typeof PowertoolsUnit]>
> = {
  Count: PowertoolsUnit.Count,
  Seconds: PowertoolsUnit.Seconds,
  Milliseconds: PowertoolsUnit.Milliseconds,
  Percent: PowertoolsUnit.Percent,
  Bytes: PowertoolsUnit.Bytes,
  None: PowertoolsUnit.NoUnit,
};

/**
 * A {@link MetricSink} over Powertools Metrics. EMF takes one dimension set per flush, so a put
 * with its own dimensions is written as a single-metric EMF line right away. With `'high'`
 * resolution (EMF StorageResolution 1, as the prober needs for 10-second alarm periods) every put
 * is its own line.
 */
export class EmfMetricSink implements MetricSink {
  constructor(
    private readonly target: Metrics = metrics,
    private readonly resolution: 'standard' | 'high' = 'standard',
  ) {}

  put(name: string, value: number, unit: MetricUnit, dimensions?: Readonly<Record<string, string>>): void {
    const high = this.resolution === 'high';
    if (high || (dimensions && Object.keys(dimensions).length > 0)) {
      const single = this.target.singleMetric();
      for (const [key, dimValue] of Object.entries(dimensions ?? {})) single.addDimension(key, dimValue);
      single.addMetric(
        name,
        POWERTOOLS_UNITS[unit],
        value,
        high ? MetricResolution.High : MetricResolution.Standard,
      );
      return;
    }
    this.target.addMetric(name, POWERTOOLS_UNITS[unit], value);
  }

  flush(): void {
    this.target.publishStoredMetrics();
  }
}
