import fc from 'fast-check';
import {
  affectedTargetsNeeded,
  assessAz,
  assessAzs,
  chiSquared2x2,
  judgePeriod,
  judgeProbeWindow,
  type PeriodSamples,
  poolProbePeriods,
} from '../../lambdas/core/detection';
import { policyWith } from './fixtures';

const policy = policyWith().detection;
const share = policyWith({ detection: { outlierTest: 'share' } }).detection;

const healthy = {
  requests: 1000,
  faults: 2,
  latencyMs: 40,
  unhealthyHosts: 0,
  probes: 24,
  probeFailures: 0,
  probeFailedTargets: 0,
};
const period = (byAz: PeriodSamples['byAz'], startMs = 0): PeriodSamples => ({ startMs, byAz });

describe('detection: one period', () => {
  test.each([
    ['all healthy', { a: healthy, b: healthy, c: healthy }, 'good', /within thresholds/],
    [
      '5xx outlier, over threshold, 3 targets',
      { a: { ...healthy, faults: 200, unhealthyHosts: 3 }, b: healthy, c: healthy },
      'bad',
      /5xx rate 0.200.*3 targets/,
    ],
    [
      '5xx outlier but one target only',
      { a: { ...healthy, faults: 200, unhealthyHosts: 1 }, b: healthy, c: healthy },
      'good',
      /only 1 target/,
    ],
    [
      '5xx outlier, one target of a 4-task cell',
      { a: { ...healthy, faults: 200, unhealthyHosts: 1, healthyHosts: 4 }, b: healthy, c: healthy },
      'good',
      /only 1 target\(s\) affected \(< 2\)/,
    ],
    [
      '5xx outlier, one target of a 2-task cell (half of it)',
      { a: { ...healthy, faults: 200, unhealthyHosts: 1, healthyHosts: 2 }, b: healthy, c: healthy },
      'bad',
      /1 targets affected/,
    ],
    [
      '5xx outlier, the one target of a 1-task cell',
      { a: { ...healthy, faults: 200, probeFailedTargets: 1, healthyHosts: 1 }, b: healthy, c: healthy },
      'bad',
      /1 targets affected/,
    ],
    [
      '5xx outlier in a 2-task cell, no target seen affected',
      { a: { ...healthy, faults: 200, healthyHosts: 2 }, b: healthy, c: healthy },
      'good',
      /only 0 target\(s\) affected \(< 1\)/,
    ],
    [
      '5xx over threshold everywhere: not an outlier',
      {
        a: { ...healthy, faults: 100, unhealthyHosts: 3 },
        b: { ...healthy, faults: 100 },
        c: { ...healthy, faults: 100 },
      },
      'good',
      /within/,
    ],
    [
      '5xx outlier under the absolute threshold',
      { a: { ...healthy, faults: 40, unhealthyHosts: 3 }, b: healthy, c: healthy },
      'good',
      /within/,
    ],
    [
      'latency outlier over threshold, probes failing on 2 targets',
      { a: { ...healthy, latencyMs: 2500, probeFailedTargets: 2 }, b: healthy, c: healthy },
      'bad',
      /latency 2500 ms/,
    ],
    [
      'latency high everywhere',
      {
        a: { ...healthy, latencyMs: 2500, unhealthyHosts: 2 },
        b: { ...healthy, latencyMs: 2400 },
        c: { ...healthy, latencyMs: 2600 },
      },
      'good',
      /within/,
    ],
    [
      'probe failures (evacuated AZ: no requests)',
      { a: { probes: 24, probeFailures: 20, probeFailedTargets: 4 }, b: healthy, c: healthy },
      'bad',
      /probe failure rate/,
    ],
    ['no requests and no probes', { a: {}, b: healthy, c: healthy }, 'missing', /no evidence/],
    [
      'too few requests, no probes',
      { a: { requests: 10, faults: 10, unhealthyHosts: 3 }, b: healthy, c: healthy },
      'missing',
      /no evidence/,
    ],
    [
      'other AZs without data: cannot be an outlier',
      { a: { ...healthy, faults: 500, unhealthyHosts: 3 }, b: {}, c: {} },
      'good',
      /within/,
    ],
  ])('GIVEN %s WHEN judged THEN %s', (_name, byAz, verdict, why) => {
    const result = judgePeriod('a', period(byAz), policy);
    expect(result.verdict).toBe(verdict);
    expect(result.why).toMatch(why);
  });

  test('GIVEN an AZ over the absolute 5xx threshold but not an outlier WHEN judged THEN good, flagged over threshold', () => {
    const byAz = {
      a: { ...healthy, faults: 100, unhealthyHosts: 3 },
      b: { ...healthy, faults: 100 },
      c: healthy,
    };
    expect(judgePeriod('b', period(byAz), policy)).toMatchObject({ overThreshold: true });
    expect(judgePeriod('c', period(byAz), policy)).toMatchObject({ verdict: 'good', overThreshold: false });
  });

  test('GIVEN the share test WHEN the AZ has twice its share of faults THEN it is an outlier', () => {
    const byAz = {
      a: { ...healthy, faults: 60, unhealthyHosts: 2 },
      b: { ...healthy, faults: 10 },
      c: { ...healthy, faults: 10 },
    };
    expect(judgePeriod('a', period(byAz), share).verdict).toBe('bad');
    const even = {
      a: { ...healthy, faults: 60, unhealthyHosts: 2 },
      b: { ...healthy, faults: 50 },
      c: { ...healthy, faults: 50 },
    };
    expect(judgePeriod('a', period(even), share).verdict).toBe('good');
  });

  test('GIVEN known counts WHEN computing chi-squared THEN it matches the textbook value', () => {
    // 2×2 table [[10, 90], [20, 880]]: N(ad−bc)²/((a+b)(c+d)(a+c)(b+d)) = 1000·(8800−1800)²/(100·900·30·970)
    expect(chiSquared2x2(10, 90, 20, 880)).toBeCloseTo((1000 * 7000 ** 2) / (100 * 900 * 30 * 970), 6);
    expect(chiSquared2x2(0, 0, 0, 0)).toBe(0);
  });
});

describe('detection: M of N', () => {
  const threeOfFive = { ...policy, evaluationPeriods: 5, datapointsToAlarm: 3 };
  const bad = { ...healthy, faults: 300, unhealthyHosts: 3 };
  const series = (pattern: string): PeriodSamples[] =>
    [...pattern].map((ch, i) =>
      period({ a: ch === 'B' ? bad : ch === '-' ? {} : healthy, b: healthy, c: healthy }, i * 60_000),
    );

  test.each([
    ['GGGGG', 'healthy', 0],
    ['GGBBB', 'impaired', 180_000],
    ['BGBGB', 'impaired', 300_000],
    ['GBGBG', 'healthy', 0],
    ['GGBB-', 'unknown', undefined],
    ['GG---', 'unknown', undefined],
    ['GGGG-', 'healthy', 0],
    ['GG', 'unknown', undefined],
  ])('GIVEN periods %s WHEN assessed (3 of 5) THEN %s', (pattern, status, detectionOrGood) => {
    const result = assessAz('a', series(pattern), threeOfFive);
    expect(result.status).toBe(status);
    if (status === 'impaired') expect(result.detectionMs).toBe(detectionOrGood);
  });

  test.each([
    ['GGG', 'healthy', 0],
    ['GBB', 'impaired', 120_000],
    ['BGB', 'impaired', 180_000],
    ['GGB', 'healthy', 0],
    ['GB-', 'unknown', undefined],
    ['GG-', 'healthy', 0],
    ['G', 'unknown', undefined],
  ])('GIVEN periods %s WHEN assessed (the default, 2 of 3) THEN %s', (pattern, status, detectionOrGood) => {
    expect(policy).toMatchObject({ datapointsToAlarm: 2, evaluationPeriods: 3 });
    const result = assessAz('a', series(pattern), policy);
    expect(result.status).toBe(status);
    if (status === 'impaired') expect(result.detectionMs).toBe(detectionOrGood);
  });

  test('GIVEN a gray failure seen on one target per minute but on two within the window WHEN assessed THEN every signalling period is bad', () => {
    const gray = (targets: number) => ({ ...healthy, faults: 250, probeFailedTargets: targets });
    const periods = [1, 2, 1, 1, 1].map((t, i) => period({ a: gray(t), b: healthy, c: healthy }, i * 60_000));
    const result = assessAz('a', periods, threeOfFive);
    expect(result).toMatchObject({ status: 'impaired', recent: ['bad', 'bad', 'bad', 'bad', 'bad'] });
    const oneTarget = assessAz(
      'a',
      [1, 1, 1, 1, 1].map((t, i) => period({ a: gray(t), b: healthy, c: healthy }, i * 60_000)),
      threeOfFive,
    );
    expect(oneTarget.status).toBe('healthy');
  });

  test('GIVEN a bad burst then good periods WHEN assessed THEN recovery held is the trailing good run', () => {
    const result = assessAz('a', series('BBBGGGGGGG'), policy);
    expect(result.status).toBe('healthy');
    expect(result.goodForMs).toBe(7 * 60_000);
    expect(result.why).toMatch(/5xx rate/);
  });
});

describe('detection: targets that must be affected', () => {
  test.each([
    { name: 'no host count (prober window)', sample: {}, needed: 2 },
    { name: 'no healthy host left', sample: { healthyHosts: 0, unhealthyHosts: 2 }, needed: 2 },
    { name: 'a 1-task cell', sample: { healthyHosts: 1 }, needed: 1 },
    { name: 'a 2-task cell', sample: { healthyHosts: 2 }, needed: 1 },
    { name: 'a 2-task cell, one unhealthy', sample: { healthyHosts: 1, unhealthyHosts: 1 }, needed: 1 },
    { name: 'a 3-task cell', sample: { healthyHosts: 3 }, needed: 2 },
    { name: 'a 40-task cell', sample: { healthyHosts: 40 }, needed: 2 },
  ])('GIVEN $name WHEN asked THEN $needed', ({ sample, needed }) => {
    expect(affectedTargetsNeeded(sample, policy)).toBe(needed);
  });

  test('property: never more than minAffectedTargets, never more than half the known cell, at least 1', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 1, max: 5 }),
        (h, u, m) => {
          const needed = affectedTargetsNeeded(
            { healthyHosts: h, unhealthyHosts: u },
            { ...policy, minAffectedTargets: m },
          );
          expect(needed).toBeGreaterThanOrEqual(1);
          expect(needed).toBeLessThanOrEqual(m);
          if (h > 0) expect(needed).toBeLessThanOrEqual(Math.ceil(Math.max(h, u) / 2));
          else expect(needed).toBe(m);
        },
      ),
    );
  });
});

describe('detection: the prober fast path (pooled high-resolution periods)', () => {
  // One 10-s round at 10 probes per target, 2 targets per AZ.
  const round = { probes: 20, probeFailures: 0, probeFailedTargets: 0, probeLatencyMs: 40 };
  const rounds = (...byAz: PeriodSamples['byAz'][]): PeriodSamples[] =>
    byAz.map((b, i) => period(b, i * 10_000));
  const gray = { probes: 20, probeFailures: 5, probeFailedTargets: 2, probeLatencyMs: 340 };

  test.each([
    [
      'healthy everywhere',
      [
        { a: round, b: round, c: round },
        { a: round, b: round, c: round },
      ],
      'good',
      /within/,
    ],
    [
      '25% failing on two targets for two rounds',
      [
        { a: gray, b: round, c: round },
        { a: gray, b: round, c: round },
      ],
      'bad',
      /probe failure rate 0.250 is an outlier.*2 targets/,
    ],
    [
      '25% failing but on one target only',
      [
        { a: { ...gray, probeFailedTargets: 1 }, b: round, c: round },
        { a: { ...gray, probeFailedTargets: 1 }, b: round, c: round },
      ],
      'good',
      /only 1 target/,
    ],
    [
      '20% failing in two AZs (regional): not an outlier against the pool',
      [
        { a: { ...gray, probeFailures: 4 }, b: { ...gray, probeFailures: 4 }, c: round },
        { a: { ...gray, probeFailures: 4 }, b: { ...gray, probeFailures: 4 }, c: round },
      ],
      'good',
      /within/,
    ],
    [
      'one bad round after a clean one: under the threshold once pooled',
      [
        { a: round, b: round, c: round },
        { a: { ...gray, probeFailures: 3 }, b: round, c: round },
      ],
      'good',
      /within/,
    ],
    [
      'slow only (latency-only gray failure), two targets slow',
      [
        { a: { ...round, probeLatencyMs: 600, probeFailedTargets: 2 }, b: round, c: round },
        { a: { ...round, probeLatencyMs: 600, probeFailedTargets: 2 }, b: round, c: round },
      ],
      'bad',
      /probe latency 600 ms is an outlier over threshold 250 ms/,
    ],
  ] as const)(
    'GIVEN %s WHEN the window is judged THEN the expected verdict and reason',
    (_name, periods, verdict, why) => {
      const result = judgeProbeWindow('a', rounds(...periods), policy)!;
      expect(result.verdict).toBe(verdict);
      expect(result.why).toMatch(why);
    },
  );

  test('GIVEN rounds of different sizes WHEN pooled THEN counts add up, latency is probe-weighted, failing targets the most seen', () => {
    const pooled = poolProbePeriods(
      rounds(
        { a: { probes: 10, probeFailures: 1, probeFailedTargets: 1, probeLatencyMs: 100 } },
        { a: { probes: 30, probeFailures: 3, probeFailedTargets: 2, probeLatencyMs: 20 } },
      ),
    )!;
    expect(pooled.byAz.a).toEqual({
      probes: 40,
      probeFailures: 4,
      probeFailedTargets: 2,
      probeLatencyMs: 40,
    });
  });

  test('GIVEN the fast path off or too few periods WHEN judged THEN no verdict', () => {
    const two = rounds({ a: gray, b: round, c: round }, { a: gray, b: round, c: round });
    expect(judgeProbeWindow('a', two, { ...policy, probeWindowPeriods: 0 })).toBeUndefined();
    expect(judgeProbeWindow('a', two.slice(1), policy)).toBeUndefined();
  });

  test('GIVEN a bad window WHEN folded into a healthy one-minute assessment THEN impaired now, detection = the window, why names the prober', () => {
    const minutes = Array.from({ length: 5 }, (_, i) =>
      period({ a: healthy, b: healthy, c: healthy }, i * 60_000),
    );
    const fast = rounds({ a: gray, b: round, c: round }, { a: gray, b: round, c: round });
    const health = assessAzs(['a', 'b', 'c'], minutes, policy, fast);
    expect(health.a).toMatchObject({ status: 'impaired', detectionMs: 20_000, goodForMs: 0 });
    expect(health.a.why).toMatch(/^prober, last 20 s: probe failure rate/);
    expect(health.b.status).toBe('healthy');
    expect(assessAzs(['a', 'b', 'c'], minutes, policy).a.status).toBe('healthy');
  });

  test('GIVEN another AZ over the threshold in the window WHEN folded THEN it counts as hot for the regional guard', () => {
    const minutes = Array.from({ length: 5 }, (_, i) =>
      period({ a: healthy, b: healthy, c: healthy }, i * 60_000),
    );
    const fast = rounds(
      { a: gray, b: { ...round, probeFailures: 3 }, c: round },
      { a: gray, b: { ...round, probeFailures: 3 }, c: round },
    );
    const health = assessAzs(['a', 'b', 'c'], minutes, policy, fast);
    expect(health.b.status).toBe('healthy');
    expect(health.b.overThresholdInWindow).toBe(1);
    expect(health.c.overThresholdInWindow ?? 0).toBe(0);
  });

  test('property: a window that is not bad never changes the status, and a bad one always makes the AZ impaired', () => {
    const sample = fc.record({
      probes: fc.integer({ min: 0, max: 60 }),
      probeFailures: fc.integer({ min: 0, max: 60 }),
      probeFailedTargets: fc.integer({ min: 0, max: 4 }),
      probeLatencyMs: fc.integer({ min: 1, max: 2000 }),
    });
    const byAz = fc.record({ a: sample, b: sample, c: sample });
    fc.assert(
      fc.property(
        fc.array(byAz, { minLength: 2, maxLength: 2 }),
        fc.constantFrom('healthy', 'gray'),
        (fast, kind) => {
          const minute = kind === 'healthy' ? healthy : { ...healthy, faults: 300, unhealthyHosts: 2 };
          const minutes = Array.from({ length: 5 }, (_, i) =>
            period({ a: minute, b: healthy, c: healthy }, i * 60_000),
          );
          const windows = rounds(...fast);
          const slow = assessAz('a', minutes, policy);
          const folded = assessAzs(['a', 'b', 'c'], minutes, policy, windows).a;
          const verdict = judgeProbeWindow('a', windows, policy)!;
          if (verdict.verdict === 'bad') expect(folded.status).toBe('impaired');
          else expect(folded.status).toBe(slow.status);
        },
      ),
    );
  });
});
