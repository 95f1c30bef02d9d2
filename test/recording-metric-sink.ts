import type { MetricSink, MetricUnit } from '../lambdas/ports/metrics';

/** One value a {@link RecordingMetricSink} kept. */
export interface RecordedMetric {
  readonly name: string;
  readonly value: number;
  readonly unit: MetricUnit;
  readonly dimensions?: Readonly<Record<string, string>>;
}

/** A {@link MetricSink} that keeps every value put and counts flushes, for assertions in tests. */
export class RecordingMetricSink implements MetricSink {
  readonly puts: RecordedMetric[] = [];
  flushes = 0;
  put(name: string, value: number, unit: MetricUnit, dimensions?: Readonly<Record<string, string>>): void {
    this.puts.push({ name, value, unit, dimensions });
  }
  flush(): void {
    this.flushes++;
  }
  /** The values put under `name` whose dimensions include every entry of `dims`, in put order. */
  find(name: string, dims: Readonly<Record<string, string>> = {}): RecordedMetric[] {
    return this.puts.filter(
      (p) => p.name === name && Object.entries(dims).every(([k, v]) => p.dimensions?.[k] === v),
    );
  }
  /** The last value put under `name`, or undefined when none was. */
  last(name: string): number | undefined {
    return this.find(name).pop()?.value;
  }
}
