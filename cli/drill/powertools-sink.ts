import type { MetricSink, MetricUnit } from '../../lambdas/ports/metrics';

/**
 * Models what Powertools Metrics does on Lambda: every EMF metric carries the function's `service`
 * dimension (POWERTOOLS_SERVICE_NAME, which lib/ sets to the function's name) next to the ones the
 * code adds. The drill puts each function's metrics through this, so a query that forgets the
 * `service` dimension finds nothing, in the drill as on AWS.
 */
export class PowertoolsDimensionSink implements MetricSink {
  constructor(
    private readonly target: MetricSink,
    private readonly service: string,
  ) {}

  put(
    name: string,
    value: number,
    unit: MetricUnit,
    dimensions: Readonly<Record<string, string>> = {},
  ): void {
    this.target.put(name, value, unit, { service: this.service, ...dimensions });
  }

  flush(): void {
    this.target.flush();
  }
}
