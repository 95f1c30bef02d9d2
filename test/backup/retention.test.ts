import fc from 'fast-check';
import { applyRetention, type RetentionPolicy } from '../../lambdas/core/snapshot/retention';

const H = 3_600_000;
const at = (iso: string) => Date.parse(iso);
/** Hourly snapshots over 3 days, from 2026-03-01T00:00Z. */
const hourly = Array.from({ length: 72 }, (_, i) => ({
  id: `s${String(i).padStart(2, '0')}`,
  timeMs: at('2026-03-01T00:30:00Z') + i * H,
}));

describe('retention', () => {
  test.each<[string, RetentionPolicy, string[]]>([
    ['keep-last 3', { last: 3 }, ['s71', 's70', 's69']],
    ['keep-hourly 2', { hourly: 2 }, ['s71', 's70']],
    ['keep-daily 2 keeps the newest of each day', { daily: 2 }, ['s71', 's47']],
    ['keep-daily 5 with only 3 days keeps 3', { daily: 5 }, ['s71', 's47', 's23']],
    ['keep-last 1 + keep-daily 2 overlap', { last: 1, daily: 2 }, ['s71', 's47']],
    ['keep-monthly 1', { monthly: 1 }, ['s71']],
    ['keep-yearly 1', { yearly: 1 }, ['s71']],
  ])('GIVEN 72 hourly snapshots WHEN %s THEN the right ones are kept', (_name, policy, kept) => {
    const d = applyRetention(hourly, policy);
    expect(d.keep.map((k) => k.id)).toEqual(kept);
    expect(d.forget).toHaveLength(72 - kept.length);
  });

  test('GIVEN snapshots across ISO week 1 of 2027 WHEN keep-weekly 2 THEN Sunday 3 Jan and Thursday 31 Dec share week 53', () => {
    const items = [
      { id: 'thu', timeMs: at('2026-12-31T12:00:00Z') },
      { id: 'sun', timeMs: at('2027-01-03T12:00:00Z') },
      { id: 'mon', timeMs: at('2027-01-04T12:00:00Z') },
    ];
    expect(applyRetention(items, { weekly: 2 }).keep.map((k) => k.id)).toEqual(['mon', 'sun']);
  });

  test('GIVEN an empty policy THEN nothing is forgotten', () => {
    expect(applyRetention(hourly, {}).forget).toEqual([]);
  });

  test('GIVEN any policy and snapshots THEN keep and forget partition them, the newest is kept, and keep-last n keeps at least min(n, count)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 400 * 24 }), { maxLength: 60 }),
        fc.record({
          last: fc.nat(5),
          hourly: fc.nat(5),
          daily: fc.nat(5),
          weekly: fc.nat(5),
          monthly: fc.nat(5),
          yearly: fc.nat(3),
        }),
        (hours, policy) => {
          const items = hours.map((h, i) => ({ id: `x${i}`, timeMs: h * H }));
          const d = applyRetention(items, policy);
          const ids = [...d.keep.map((k) => k.id), ...d.forget].sort();
          expect(ids).toEqual(items.map((i) => i.id).sort());
          if (items.length > 0 && Object.values(policy).some((v) => v > 0)) {
            const newest = [...items].sort((a, b) => b.timeMs - a.timeMs || (a.id < b.id ? -1 : 1))[0];
            expect(d.keep.map((k) => k.id)).toContain(newest.id);
          }
          expect(d.keep.filter((k) => k.reasons.includes('last'))).toHaveLength(
            Math.min(policy.last, items.length),
          );
        },
      ),
    );
  });
});
