import { Metrics } from '@aws-lambda-powertools/metrics';
import { EmfMetricSink } from '../../lambdas/adapters/aws/telemetry';
import { AVAILABILITY_CONFIG_ENV } from '../../lambdas/config/availability-runtime';
import {
  PROBE_NAMESPACE,
  probeCellDimensions,
  probeDimensions,
  probePublishedDimensions,
} from '../../lambdas/core/cell-metrics';
import { type CfnProps, resourcesOf, type Synthesized, synthBulkhead } from '../lib/synth';

// The prober's metrics, as Powertools writes them, must have exactly the dimension set every reader
// queries: CloudWatch treats any other set as another metric, and the alarm would never see data.

let built: Synthesized;
beforeAll(() => {
  built = synthBulkhead();
});

/** The EMF line the real sink writes for one probe metric, from a Powertools Metrics with `service`. */
function emfLine(
  service: string,
  dims: Record<string, string>,
): { names: string[]; values: Record<string, string> } {
  const lines: string[] = [];
  // Powertools writes EMF through its own Console on process.stdout.
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  const warn = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    new EmfMetricSink(new Metrics({ namespace: PROBE_NAMESPACE, serviceName: service }), 'high').put(
      'ProbeCount',
      3,
      'Count',
      dims,
    );
  } finally {
    spy.mockRestore();
    warn.mockRestore();
  }
  const emf = JSON.parse(lines.find((l) => l.includes('"ProbeCount"'))!);
  const names: string[] = emf._aws.CloudWatchMetrics[0].Dimensions[0];
  return { names, values: Object.fromEntries(names.map((n) => [n, emf[n]])) };
}

const envOf = (fn: CfnProps): Record<string, unknown> => fn.Environment.Variables;

describe('prober metric dimensions', () => {
  test('GIVEN the prober’s Powertools service name from the stack WHEN its sink publishes THEN the EMF dimension set equals probeDimensions()', () => {
    const [, prober] = resourcesOf(built.template, 'AWS::Lambda::Function').find(([id]) =>
      id.startsWith('Failoverzonalprober'),
    )!;
    const service = envOf(prober).POWERTOOLS_SERVICE_NAME as string;
    const published = emfLine(service, probePublishedDimensions('app/lb/1', 'us-east-1a'));
    const read = probeDimensions('app/lb/1', 'us-east-1a');
    expect([...published.names].sort()).toEqual(Object.keys(read).sort());
    expect(published.values).toEqual(read);
  });

  test('GIVEN the per-AZ probe alarms WHEN synthesized THEN every prober metric they read has exactly probeDimensions()’s keys and service', () => {
    const probeAlarms = resourcesOf(built.template, 'AWS::CloudWatch::Alarm').filter(([, p]) =>
      String(p.AlarmName).endsWith('-probe'),
    );
    expect(probeAlarms.length).toBeGreaterThan(0);
    const perAz = probeDimensions('x', 'y');
    const totals = probeCellDimensions('x');
    for (const [, alarm] of probeAlarms) {
      const stats = alarm.Metrics.filter((m: CfnProps) => m.MetricStat).map(
        (m: CfnProps) => m.MetricStat.Metric,
      );
      expect(stats.length).toBeGreaterThan(0);
      const keySets = new Set<string>();
      for (const metric of stats) {
        expect(metric.Namespace).toBe(PROBE_NAMESPACE);
        const dims = Object.fromEntries(metric.Dimensions.map((d: CfnProps) => [d.Name, d.Value]));
        // The AZ's own metrics, or the load balancer's totals (which the prober publishes too).
        const keys = Object.keys(dims).sort().join(',');
        expect([Object.keys(perAz).sort().join(','), Object.keys(totals).sort().join(',')]).toContain(keys);
        expect(dims.service).toBe(perAz.service);
        keySets.add(keys);
      }
      expect(keySets.size).toBe(2);
    }
  });

  test('GIVEN availability’s per-AZ probe SLI WHEN synthesized THEN its dimensions plus the AZ one equal probeDimensions()’s keys and service', () => {
    const withConfig = resourcesOf(built.template, 'AWS::Lambda::Function').filter(
      ([, f]) => f.Environment?.Variables?.[AVAILABILITY_CONFIG_ENV],
    );
    expect(withConfig).toHaveLength(1);
    // The config is a JSON string joined around tokens; the keys and the service value are literal.
    const text = JSON.stringify(envOf(withConfig[0][1])[AVAILABILITY_CONFIG_ENV]);
    const expected = probeDimensions('x', 'y');
    const zonal = /\\"zonalProbe\\":\{(.*?)\}\}/.exec(text)?.[1] ?? '';
    expect(zonal).toContain(`\\"service\\":\\"${expected.service}\\"`);
    expect(zonal).toContain('\\"LoadBalancer\\"');
    expect(zonal).toContain('\\"azDimension\\":\\"AvailabilityZone\\"');
    const dimKeys = [...(/\\"dimensions\\":\{(.*?)\}/.exec(zonal)?.[1] ?? '').matchAll(/\\"(\w+)\\":/g)].map(
      (m) => m[1],
    );
    expect([...dimKeys, 'AvailabilityZone'].sort()).toEqual(Object.keys(expected).sort());
  });
});
