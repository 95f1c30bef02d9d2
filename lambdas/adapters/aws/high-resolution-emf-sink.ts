import { MetricResolution, type Metrics } from '@aws-lambda-powertools/metrics';
import type { MetricSink, MetricUnit } from '../../ports/metrics';
import { POWERTOOLS_UNITS, metrics as sharedMetrics } from './telemetry';

/**
 * A {@link MetricSink} that writes every metric at high resolution (EMF StorageResolution 1), so
 * alarms on the prober's metrics can use 10-second periods. Each put is its own EMF line, with
 * its own dimensions.
 */
export class HighResolutionEmfSink implements MetricSink {
  constructor(private readonly target: Metrics = sharedMetrics) {}

  put(name: string, value: number, unit: MetricUnit, dimensions?: Readonly<Record<string, string>>): void {
    const single = this.target.singleMetric();
    for (const [key, dimValue] of Object.entries(dimensions ?? {})) single.addDimension(key, dimValue);
    single.addMetric(name, POWERTOOLS_UNITS[unit], value, MetricResolution.High);
  }

  flush(): void {
    this.target.publishStoredMetrics();
  }
}
