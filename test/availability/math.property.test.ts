import fc from 'fast-check';
import {
  errorBudget,
  errorRatioOf,
  type Incident,
  type Interval,
  requestFigures,
  timeFigures,
} from '../../lambdas/core/availability';

const WINDOW: Interval = { startMs: 1_000, endMs: 11_000 };

const incidentArb = fc
  .record({
    start: fc.integer({ min: 0, max: 12_000 }),
    length: fc.integer({ min: 0, max: 4_000 }),
    open: fc.boolean(),
    detect: fc.integer({ min: 0, max: 500 }),
  })
  .map(
    ({ start, length, open, detect }): Incident => ({
      id: `${start}`,
      scope: 'service',
      cause: 'sli:requests',
      startedAtMs: start,
      detectedAtMs: start + detect,
      endedAtMs: open ? undefined : start + length,
    }),
  );
const gapArb = fc
  .record({ start: fc.integer({ min: 0, max: 12_000 }), length: fc.integer({ min: 0, max: 3_000 }) })
  .map(({ start, length }): Interval => ({ startMs: start, endMs: start + length }));
/** Up to 12 incidents, some still open, some before or after the window. */
const incidentsArb = fc.array(incidentArb, { maxLength: 12 });
/** Up to 6 signal gaps, overlapping each other and the incidents at will. */
const gapsArb = fc.array(gapArb, { maxLength: 6 });

describe('availability math properties', () => {
  test('availability lies in [0, 1] (or is undefined when nothing was observed)', () => {
    fc.assert(
      fc.property(incidentsArb, gapsArb, (incidents, gaps) => {
        const f = timeFigures(incidents, WINDOW, gaps);
        if (f.observedMs === 0) return f.availability === undefined;
        return f.availability !== undefined && f.availability >= 0 && f.availability <= 1;
      }),
    );
  });

  test('availability = MTBF / (MTBF + MTTR) wherever both are defined', () => {
    fc.assert(
      fc.property(incidentsArb, gapsArb, (incidents, gaps) => {
        const f = timeFigures(incidents, WINDOW, gaps);
        if (f.mtbfMs === undefined || f.mttrMs === undefined) return f.failures === 0;
        const viaMeans = f.mtbfMs / (f.mtbfMs + f.mttrMs);
        return f.availability !== undefined && Math.abs(viaMeans - f.availability) < 1e-12;
      }),
    );
  });

  test('MTBF is undefined exactly when there is no failure, and never NaN, 0-by-default or infinite', () => {
    fc.assert(
      fc.property(incidentsArb, (incidents) => {
        const f = timeFigures(incidents, WINDOW);
        const finite = Number.isFinite(f.mtbfLowerBoundMs) && f.mtbfLowerBoundMs >= 0;
        if (f.failures === 0) return finite && f.mtbfMs === undefined && f.mtbfLowerBoundMs === f.uptimeMs;
        return finite && f.mtbfMs !== undefined && Number.isFinite(f.mtbfMs);
      }),
    );
  });

  test('uptime + downtime + unobserved = window, and downtime never exceeds the window', () => {
    fc.assert(
      fc.property(incidentsArb, gapsArb, (incidents, gaps) => {
        const f = timeFigures(incidents, WINDOW, gaps);
        return (
          f.uptimeMs + f.downtimeMs + f.unobservedMs === f.windowMs &&
          f.downtimeMs <= f.windowMs &&
          f.uptimeMs >= 0
        );
      }),
    );
  });

  test('the figures do not depend on the order or duplication of incidents (replay converges)', () => {
    fc.assert(
      fc.property(fc.array(incidentArb, { maxLength: 10 }), fc.integer(), (incidents, seed) => {
        const shuffled = [...incidents, ...incidents].sort(
          (a, b) => ((a.startedAtMs * 31 + seed) % 97) - ((b.startedAtMs * 31 + seed) % 97),
        );
        const a = timeFigures(incidents, WINDOW);
        const b = timeFigures(shuffled, WINDOW);
        return (
          a.downtimeMs === b.downtimeMs && a.failures === b.failures && a.availability === b.availability
        );
      }),
    );
  });

  test('the error budget is consistent with the SLI: remaining = 1 - (1 - A)/(1 - SLO), >= 0 iff A >= SLO', () => {
    fc.assert(
      fc.property(incidentsArb, fc.constantFrom(0.9, 0.95, 0.99, 0.995, 0.999, 0.9999), (incidents, slo) => {
        const f = timeFigures(incidents, WINDOW);
        const budget = errorBudget(errorRatioOf(f.availability), slo);
        const a = f.availability as number;
        const expected = 1 - (1 - a) / (1 - slo);
        if (Math.abs((budget.remaining as number) - expected) > 1e-9) return false;
        if (Math.abs(a - slo) < 1e-9) return true; // on the boundary float rounding decides
        return (budget.remaining as number) >= 0 === a >= slo;
      }),
    );
  });

  test('request-based availability lies in [0, 1] and is undefined exactly when there was no traffic', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            startMs: fc.integer({ min: 0, max: 12_000 }),
            valid: fc.nat(10_000),
            bad: fc.nat(20_000),
          }),
          { maxLength: 30 },
        ),
        (samples) => {
          const f = requestFigures(samples, WINDOW);
          if (f.valid === 0) return f.availability === undefined && f.errorRatio === undefined;
          return (
            f.availability !== undefined &&
            f.availability >= 0 &&
            f.availability <= 1 &&
            Math.abs((f.errorRatio as number) + f.availability - 1) < 1e-12
          );
        },
      ),
    );
  });
});
