import {
  albCounts,
  burnRate,
  computeReport,
  errorBudget,
  figuresByScope,
  formatDuration,
  type Incident,
  type Interval,
  mergeIntervals,
  parseWindow,
  requestFigures,
  subtractIntervals,
  timeFigures,
} from '../../lambdas/core/availability';

const W: Interval = { startMs: 0, endMs: 100 };

function inc(startedAtMs: number, endedAtMs?: number, extra: Partial<Incident> = {}): Incident {
  return {
    id: `i${startedAtMs}-${endedAtMs}`,
    scope: 'service',
    cause: 'sli:requests',
    startedAtMs,
    detectedAtMs: startedAtMs,
    endedAtMs,
    ...extra,
  };
}

describe('timeFigures over the window [0, 100)', () => {
  // Each row is worked by hand: downtime = union of incidents clipped to [0,100), uptime = observed - downtime,
  // MTBF = uptime / failures, MTTR = downtime / failures.
  test.each([
    {
      name: 'no incidents: MTBF undefined, reported as > observed time, never 0 or NaN',
      incidents: [],
      gaps: [],
      want: {
        downtimeMs: 0,
        uptimeMs: 100,
        failures: 0,
        incidentCount: 0,
        availability: 1,
        mtbfMs: undefined,
        mtbfLowerBoundMs: 100,
        mttrMs: undefined,
        mttdMs: undefined,
        openIncidents: 0,
      },
    },
    {
      name: 'one closed incident [10,20) detected at 12',
      incidents: [inc(10, 20, { detectedAtMs: 12 })],
      gaps: [],
      want: {
        downtimeMs: 10,
        uptimeMs: 90,
        failures: 1,
        incidentCount: 1,
        availability: 0.9,
        mtbfMs: 90,
        mtbfLowerBoundMs: 90,
        mttrMs: 10,
        mttdMs: 2,
        openIncidents: 0,
      },
    },
    {
      name: 'two incidents [10,20) and [50,80)',
      incidents: [inc(10, 20), inc(50, 80, { detectedAtMs: 54 })],
      gaps: [],
      want: {
        downtimeMs: 40,
        uptimeMs: 60,
        failures: 2,
        incidentCount: 2,
        availability: 0.6,
        mtbfMs: 30,
        mttrMs: 20,
        mttdMs: 2,
      },
    },
    {
      name: 'an incident still open since 90 runs to the window end; MTTR is a lower bound',
      incidents: [inc(90, undefined)],
      gaps: [],
      want: {
        downtimeMs: 10,
        uptimeMs: 90,
        failures: 1,
        openIncidents: 1,
        mttrIncludesOpen: true,
        availability: 0.9,
        mtbfMs: 90,
        mttrMs: 10,
      },
    },
    {
      name: 'an incident straddling the start [-20,10) counts its clipped 10, and no MTTD (it started before)',
      incidents: [inc(-20, 10, { detectedAtMs: -15 })],
      gaps: [],
      want: {
        downtimeMs: 10,
        failures: 1,
        availability: 0.9,
        mttrMs: 10,
        mttdMs: undefined,
        openIncidents: 0,
      },
    },
    {
      name: 'an incident straddling the end [95,120) is open at the window end',
      incidents: [inc(95, 120)],
      gaps: [],
      want: { downtimeMs: 5, failures: 1, availability: 0.95, mtbfMs: 95, mttrMs: 5, openIncidents: 1 },
    },
    {
      name: 'overlapping incidents of the same scope [10,30) and [20,40) are one outage',
      incidents: [inc(10, 30), inc(20, 40)],
      gaps: [],
      want: { downtimeMs: 30, failures: 1, incidentCount: 2, availability: 0.7, mtbfMs: 70, mttrMs: 30 },
    },
    {
      name: 'touching incidents [10,20) and [20,30) are one outage',
      incidents: [inc(10, 20), inc(20, 30)],
      gaps: [],
      want: { downtimeMs: 20, failures: 1, incidentCount: 2, mtbfMs: 80, mttrMs: 20 },
    },
    {
      name: 'a zero-length incident is logged but is not a failure',
      incidents: [inc(50, 50)],
      gaps: [],
      want: {
        downtimeMs: 0,
        failures: 0,
        incidentCount: 1,
        availability: 1,
        mtbfMs: undefined,
        mttrMs: undefined,
      },
    },
    {
      name: 'an incident entirely after the window is ignored',
      incidents: [inc(200, 300)],
      gaps: [],
      want: { downtimeMs: 0, failures: 0, incidentCount: 0, availability: 1 },
    },
    {
      name: 'a metric gap [60,80) is unobserved time: out of both uptime and downtime',
      incidents: [inc(10, 20)],
      gaps: [{ startMs: 60, endMs: 80 }],
      want: {
        unobservedMs: 20,
        observedMs: 80,
        downtimeMs: 10,
        uptimeMs: 70,
        availability: 0.875,
        mtbfMs: 70,
        mttrMs: 10,
      },
    },
    {
      name: 'a gap [15,30) overlapping an open incident counts as down where the incident says so',
      incidents: [inc(10, 20)],
      gaps: [{ startMs: 15, endMs: 30 }],
      want: { unobservedMs: 10, observedMs: 90, downtimeMs: 10, uptimeMs: 80, mtbfMs: 80, mttrMs: 10 },
    },
    {
      name: 'nothing observed at all: availability undefined, not 1 and not NaN',
      incidents: [],
      gaps: [{ startMs: -5, endMs: 105 }],
      want: { observedMs: 0, availability: undefined, mtbfMs: undefined, mtbfLowerBoundMs: 0 },
    },
    {
      name: 'a mitigated incident [10,30) mitigated at 25 gives a time to mitigate of 15',
      incidents: [inc(10, 30, { detectedAtMs: 13, mitigatedAtMs: 25 })],
      gaps: [],
      want: { mttdMs: 3, mttmMs: 15, mttrMs: 20 },
    },
  ])('GIVEN $name WHEN computed THEN the hand-worked figures hold', ({ incidents, gaps, want }) => {
    const figures = timeFigures(incidents, W, gaps);
    for (const [key, value] of Object.entries(want)) {
      if (typeof value === 'number') expect(figures[key as keyof typeof figures]).toBeCloseTo(value, 9);
      else expect(figures[key as keyof typeof figures]).toBe(value);
    }
  });

  test('GIVEN an empty window WHEN computed THEN it throws with the bounds', () => {
    expect(() => timeFigures([], { startMs: 5, endMs: 5 })).toThrow('invalid window [5, 5)');
  });
});

describe('scopes', () => {
  test('GIVEN overlapping incidents in different scopes WHEN computed per scope THEN they never add up', () => {
    const incidents: Incident[] = [inc(10, 20), { ...inc(15, 40), scope: 'az:us-east-1a' }];
    const figures = figuresByScope(incidents, W, ['service', 'az:us-east-1a', 'az:us-east-1b']);
    expect(figures['service'].downtimeMs).toBe(10);
    expect(figures['service'].availability).toBeCloseTo(0.9, 12);
    expect(figures['az:us-east-1a'].downtimeMs).toBe(25);
    expect(figures['az:us-east-1a'].availability).toBeCloseTo(0.75, 12);
    expect(figures['az:us-east-1b'].failures).toBe(0);
    expect(figures['az:us-east-1b'].availability).toBe(1);
  });
});

describe('request-based SLI', () => {
  test.each([
    { name: 'plain counts', args: [100, 3, 2], want: { valid: 102, bad: 5 } },
    { name: 'no traffic', args: [0, 0, 0], want: { valid: 0, bad: 0 } },
    { name: 'only ELB 503s (no healthy target)', args: [0, 0, 7], want: { valid: 7, bad: 7 } },
    {
      name: 'a skewed datapoint with more 5xx than requests is capped',
      args: [10, 15, 0],
      want: { valid: 10, bad: 10 },
    },
    { name: 'negative values are treated as 0', args: [-4, -1, 0], want: { valid: 0, bad: 0 } },
  ])('GIVEN ALB counts with $name WHEN turned into a sample THEN valid/bad are $want', ({ args, want }) => {
    const [requests, t5xx, e5xx] = args;
    expect(albCounts(0, requests, t5xx, e5xx)).toEqual({ startMs: 0, ...want });
  });

  test('GIVEN samples inside and outside the window WHEN summed THEN only periods starting inside count', () => {
    const figures = requestFigures(
      [
        { startMs: -10, valid: 1000, bad: 1000 },
        { startMs: 0, valid: 100, bad: 1 },
        { startMs: 60, valid: 300, bad: 3 },
        { startMs: 100, valid: 1000, bad: 1000 },
      ],
      W,
    );
    expect(figures).toMatchObject({ valid: 400, bad: 4, good: 396, samples: 2 });
    expect(figures.availability).toBeCloseTo(0.99, 12);
    expect(figures.errorRatio).toBeCloseTo(0.01, 12);
  });

  test('GIVEN zero traffic WHEN summed THEN availability and error ratio are undefined, not 1 and not NaN', () => {
    const figures = requestFigures([{ startMs: 0, valid: 0, bad: 0 }], W);
    expect(figures.availability).toBeUndefined();
    expect(figures.errorRatio).toBeUndefined();
    expect(burnRate(figures.errorRatio, 0.999)).toBeUndefined();
    expect(errorBudget(figures.errorRatio).remaining).toBeUndefined();
  });
});

describe('error budget and burn rate', () => {
  test.each([
    { errorRatio: 0, slo: 0.999, consumed: 0, remaining: 1 },
    { errorRatio: 0.0005, slo: 0.999, consumed: 0.5, remaining: 0.5 },
    { errorRatio: 0.001, slo: 0.999, consumed: 1, remaining: 0 },
    { errorRatio: 0.002, slo: 0.999, consumed: 2, remaining: -1 },
    { errorRatio: 0.0144, slo: 0.999, consumed: 14.4, remaining: -13.4 },
    { errorRatio: 0.006, slo: 0.99, consumed: 0.6, remaining: 0.4 },
  ])(
    'GIVEN error ratio $errorRatio against SLO $slo THEN consumed $consumed, remaining $remaining',
    (row) => {
      const budget = errorBudget(row.errorRatio, row.slo);
      expect(budget.consumed).toBeCloseTo(row.consumed, 9);
      expect(budget.remaining).toBeCloseTo(row.remaining, 9);
      expect(burnRate(row.errorRatio, row.slo)).toBeCloseTo(row.consumed, 9);
    },
  );

  test.each([0, 1, 1.5, -0.1, Number.NaN, 99.9])(
    'GIVEN the invalid SLO %p THEN it throws with the value',
    (slo) => {
      expect(() => errorBudget(0, slo)).toThrow(`invalid SLO ${slo}`);
    },
  );
});

describe('windows and intervals', () => {
  test.each([
    ['5m', 300_000],
    ['30m', 1_800_000],
    ['1h', 3_600_000],
    ['6h', 21_600_000],
    ['3d', 259_200_000],
    ['30d', 2_592_000_000],
  ])('GIVEN %s THEN it is %d ms', (text, ms) => {
    expect(parseWindow(text)).toBe(ms);
  });

  test.each(['', '0d', '30', '1w', '-1h', '1.5h'])(
    'GIVEN the bad window %p THEN it throws with the value',
    (text) => {
      expect(() => parseWindow(text)).toThrow(`invalid window "${text}"`);
    },
  );

  test('GIVEN unordered overlapping intervals THEN merge and subtract give the hand-worked result', () => {
    expect(
      mergeIntervals([
        { startMs: 50, endMs: 60 },
        { startMs: 0, endMs: 10 },
        { startMs: 5, endMs: 20 },
        { startMs: 30, endMs: 30 },
      ]),
    ).toEqual([
      { startMs: 0, endMs: 20 },
      { startMs: 50, endMs: 60 },
    ]);
    expect(
      subtractIntervals(
        [{ startMs: 0, endMs: 100 }],
        [
          { startMs: 10, endMs: 20 },
          { startMs: 90, endMs: 120 },
        ],
      ),
    ).toEqual([
      { startMs: 0, endMs: 10 },
      { startMs: 20, endMs: 90 },
    ]);
  });

  test.each([
    [0, '0s'],
    [45_000, '45s'],
    [725_000, '12m 5s'],
    [10_920_000, '3h 2m'],
    [187_200_000, '2d 4h'],
  ])('GIVEN %d ms THEN it formats as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('computeReport: a hand-worked 30-day scenario', () => {
  const MIN = 60_000;
  const now = 1_800_000_000_000;
  // One service incident of 21.6 minutes, [now-30m, now-8.4m): exactly half of a 99.9 % / 30 d budget (43.2 min).
  const incident = inc(now - 30 * MIN, now - 8.4 * MIN, {
    detectedAtMs: now - 28 * MIN,
    mitigatedAtMs: now - 20 * MIN,
  });
  // One request sample per minute over the last hour: 1000 requests each, the last 5 minutes with 50 bad each.
  const requests = Array.from({ length: 60 }, (_, k) => ({
    startMs: now - (60 - k) * MIN,
    valid: 1000,
    bad: k >= 55 ? 50 : 0,
  }));
  const report = computeReport({
    nowMs: now,
    scopes: ['service', 'az:us-east-1a'],
    incidents: [incident],
    requests: { service: requests },
  });
  const service = report.scopes['service'];

  test('THEN the time-based budget is half spent', () => {
    expect(report.slo).toBe(0.999);
    expect(report.sloWindow).toBe('30d');
    expect(service.budget.time.consumed).toBeCloseTo(0.5, 9);
    expect(service.budget.time.remaining).toBeCloseTo(0.5, 9);
  });

  test.each([
    ['5m', 0],
    ['30m', 720], // 21.6/30 = 0.72 down → 0.72 / 0.001
    ['1h', 360], // 21.6/60 = 0.36
    ['6h', 60], // 21.6/360 = 0.06
    ['3d', 5], // 21.6/4320 = 0.005
  ])('THEN the time-based burn rate over %s is %d', (window, rate) => {
    expect(service.burnRates.time[window]).toBeCloseTo(rate, 6);
  });

  test.each([
    ['5m', 50], // 250/5000 = 0.05
    ['30m', 8.333333], // 250/30000
    ['1h', 4.166667], // 250/60000
  ])('THEN the request-based burn rate over %s is %d', (window, rate) => {
    expect(service.burnRates.requests?.[window]).toBeCloseTo(rate, 5);
  });

  test('THEN the 1 h window has the hand-worked MTBF, MTTR, MTTD and time to mitigate', () => {
    const hour = service.windows['1h'].time;
    expect(hour.availability).toBeCloseTo(0.64, 9);
    expect(hour.failures).toBe(1);
    expect(hour.mtbfMs).toBeCloseTo(38.4 * MIN, 3);
    expect(hour.mttrMs).toBeCloseTo(21.6 * MIN, 3);
    expect(hour.mttdMs).toBe(2 * MIN);
    expect(hour.mttmMs).toBe(10 * MIN);
    expect(service.windows['1h'].requests).toMatchObject({ valid: 60_000, bad: 250 });
  });

  test('THEN a scope without incidents or samples reports full availability, MTBF > window, no request SLI', () => {
    const az = report.scopes['az:us-east-1a'];
    expect(az.windows['30d'].time.availability).toBe(1);
    expect(az.windows['30d'].time.mtbfMs).toBeUndefined();
    expect(az.windows['30d'].time.mtbfLowerBoundMs).toBe(30 * 24 * 60 * MIN);
    expect(az.windows['30d'].requests).toBeUndefined();
    expect(az.burnRates.requests).toBeUndefined();
    expect(az.budget.time.remaining).toBe(1);
  });

  test('GIVEN an invalid SLO THEN the report throws with the value', () => {
    expect(() => computeReport({ nowMs: now, scopes: [], incidents: [], slo: 99.9 })).toThrow(
      'invalid SLO 99.9',
    );
  });
});
