import { SimMetricStore } from '../../lambdas/adapters/sim/sim-metric-store';

describe('simulated CloudWatch metric store', () => {
  const key = { namespace: 'Bulkhead', metricName: 'ProbeSuccess', dimensions: { AvailabilityZone: 'a' } };
  let now = 0;
  const store = new SimMetricStore(() => now);
  for (let t = 0; t < 60_000; t += 10_000) store.publishValue(key, t, t / 10_000);
  store.publish(key, 70_000, { sum: 10, count: 2, min: 4, max: 6 }, 200_000);

  test.each([
    ['Sum', 60, [{ timestampMs: 0, value: 15 }]],
    ['Average', 60, [{ timestampMs: 0, value: 2.5 }]],
    ['Maximum', 60, [{ timestampMs: 0, value: 5 }]],
    ['Minimum', 60, [{ timestampMs: 0, value: 0 }]],
    ['SampleCount', 60, [{ timestampMs: 0, value: 6 }]],
    ['p90', 60, [{ timestampMs: 0, value: 5 }]],
    [
      'Sum',
      30,
      [
        { timestampMs: 0, value: 3 },
        { timestampMs: 30_000, value: 12 },
      ],
    ],
  ] as const)(
    'GIVEN 10-s samples WHEN read with %s over %i s THEN periods aggregate as CloudWatch does',
    (stat, periodSeconds, expected) => {
      now = 100_000;
      expect(store.query({ id: 'q', ...key, stat, periodSeconds }, 0, 60_000)).toEqual(expected);
    },
  );

  test('GIVEN a sample not yet published WHEN read THEN it is absent, and appears once visible', async () => {
    now = 100_000;
    const q = { id: 'q', ...key, stat: 'Average' as const, periodSeconds: 60 };
    expect(await store.getMetricData([q], 60_000, 120_000)).toEqual([{ id: 'q', points: [] }]);
    now = 200_000;
    expect(store.query(q, 60_000, 120_000)).toEqual([{ timestampMs: 60_000, value: 5 }]);
  });

  test('GIVEN other dimensions WHEN read THEN nothing matches (dimension sets are exact)', () => {
    expect(store.query({ id: 'q', ...key, dimensions: {}, stat: 'Sum', periodSeconds: 60 }, 0, 1e9)).toEqual(
      [],
    );
  });

  test('GIVEN a handler putting through the sink WHEN read THEN it is in the Bulkhead namespace at the sim time', () => {
    now = 500_000;
    store.put('Evacuations', 1, 'Count', { AvailabilityZone: 'b' });
    expect(
      store.query(
        {
          id: 'e',
          namespace: 'Bulkhead',
          metricName: 'Evacuations',
          dimensions: { AvailabilityZone: 'b' },
          stat: 'Sum',
          periodSeconds: 60,
        },
        0,
        1e9,
      ),
    ).toEqual([{ timestampMs: 480_000, value: 1 }]);
    expect(store.emitted.at(-1)).toMatchObject({ name: 'Evacuations', timestampMs: 500_000 });
  });
});
