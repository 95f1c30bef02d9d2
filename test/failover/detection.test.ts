import { assessAz, chiSquared2x2, judgePeriod, type PeriodSamples } from '../../lambdas/core/detection';
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
    const result = assessAz('a', series(pattern), policy);
    expect(result.status).toBe(status);
    if (status === 'impaired') expect(result.detectionMs).toBe(detectionOrGood);
  });

  test('GIVEN a gray failure seen on one target per minute but on two within the window WHEN assessed THEN every signalling period is bad', () => {
    const gray = (targets: number) => ({ ...healthy, faults: 250, probeFailedTargets: targets });
    const periods = [1, 2, 1, 1, 1].map((t, i) => period({ a: gray(t), b: healthy, c: healthy }, i * 60_000));
    const result = assessAz('a', periods, policy);
    expect(result).toMatchObject({ status: 'impaired', recent: ['bad', 'bad', 'bad', 'bad', 'bad'] });
    const oneTarget = assessAz(
      'a',
      [1, 1, 1, 1, 1].map((t, i) => period({ a: gray(t), b: healthy, c: healthy }, i * 60_000)),
      policy,
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
