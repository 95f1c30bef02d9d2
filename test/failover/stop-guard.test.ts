import fc from 'fast-check';
import { guardStops, type PastStop, stopLimit } from '../../lambdas/core/stop-guard';
import { policyWith } from './fixtures';

const guard = policyWith({ guard: { minHealthyPercent: 'service' } }).guard;

describe('stop guard', () => {
  test.each([
    [4, 1],
    [10, 1],
    [19, 1],
    [20, 2],
    [100, 10],
    [0, 1],
  ])('GIVEN %i tasks WHEN computing the limit THEN %i per window', (desired, limit) => {
    expect(stopLimit(desired, guard)).toBe(limit);
  });

  test('GIVEN a stop 4 min ago WHEN another is asked THEN refused; at 5 min THEN allowed', () => {
    const cell = {
      desiredCount: 4,
      runningCount: 4,
      minimumHealthyPercent: 50,
      pastStops: [{ taskArn: 'x', atMs: 0 }],
    };
    const c = [{ taskArn: 'y', running: true }];
    expect(guardStops(cell, c, 240_000, guard).approved).toEqual([]);
    expect(guardStops(cell, c, 240_000, guard).refused[0].why).toMatch(/stop limit 1/);
    expect(guardStops(cell, c, 300_000, guard).approved).toEqual(c);
  });

  test('GIVEN minimum healthy 100% WHEN a running task is asked THEN refused; a stuck one THEN allowed', () => {
    const cell = { desiredCount: 4, runningCount: 4, minimumHealthyPercent: 100, pastStops: [] };
    expect(guardStops(cell, [{ taskArn: 'r', running: true }], 0, guard).refused[0].why).toMatch(
      /below the floor of 4/,
    );
    expect(guardStops(cell, [{ taskArn: 's', running: false }], 0, guard).approved).toHaveLength(1);
  });

  test('the guard is never exceeded under any sequence of events', () => {
    const event = fc.record({
      advanceMs: fc.integer({ min: 0, max: 400_000 }),
      desired: fc.integer({ min: 1, max: 40 }),
      running: fc.integer({ min: 0, max: 45 }),
      minHealthy: fc.constantFrom(0, 50, 100),
      candidates: fc.array(fc.record({ id: fc.integer({ min: 0, max: 30 }), running: fc.boolean() }), {
        maxLength: 10,
      }),
    });
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 60 }), (events) => {
        let now = 0;
        const history: PastStop[] = [];
        const made: { atMs: number; limit: number }[] = [];
        let serial = 0;
        for (const e of events) {
          now += e.advanceMs;
          const cell = {
            desiredCount: e.desired,
            runningCount: e.running,
            minimumHealthyPercent: e.minHealthy,
            pastStops: history,
          };
          const candidates = e.candidates.map((c) => ({ taskArn: `t${serial}-${c.id}`, running: c.running }));
          serial++;
          const verdict = guardStops(cell, candidates, now, guard);
          const limit = stopLimit(e.desired, guard);
          const floor = Math.ceil((e.desired * e.minHealthy) / 100);
          const runningStops = verdict.approved.filter((a) => a.running).length;
          if (runningStops > 0) expect(e.running - runningStops).toBeGreaterThanOrEqual(floor);
          const inWindow = history.filter((s) => s.atMs > now - guard.windowMs).length;
          expect(inWindow + verdict.approved.length).toBeLessThanOrEqual(Math.max(limit, inWindow));
          for (const a of verdict.approved) {
            history.push({ taskArn: a.taskArn, atMs: now });
            made.push({ atMs: now, limit });
          }
        }
        // Over any window, stops never exceed the largest limit that applied in it.
        for (const m of made) {
          const within = made.filter((o) => o.atMs > m.atMs - guard.windowMs && o.atMs <= m.atMs);
          expect(within.length).toBeLessThanOrEqual(Math.max(...within.map((o) => o.limit)));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
