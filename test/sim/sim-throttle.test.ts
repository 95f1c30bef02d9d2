import { DEFAULT_RETRY_ATTEMPTS } from '../../lambdas/adapters/aws/retry';
import { Prng } from '../../lambdas/adapters/sim/prng';
import { throttledAfterRetries } from '../../lambdas/adapters/sim/sim-throttle';

/** A Prng whose chance() answers from a script (then false), to pin each attempt's outcome. */
function scripted(answers: boolean[]): Prng {
  const rng = new Prng(1);
  let i = 0;
  rng.chance = () => answers[i++] ?? false;
  return rng;
}

describe('sim throttling, as the AWS adapters meet it', () => {
  test.each([
    {
      name: 'no throttling configured',
      rate: 0,
      answers: [true, true, true, true, true],
      fails: false,
      recorded: 0,
    },
    { name: 'first attempt passes', rate: 0.1, answers: [false], fails: false, recorded: 0 },
    {
      name: 'throttled twice, third attempt passes',
      rate: 0.1,
      answers: [true, true, false],
      fails: false,
      recorded: 2,
    },
    {
      name: 'every attempt throttled',
      rate: 0.1,
      answers: [true, true, true, true, true],
      fails: true,
      recorded: 5,
    },
  ])(
    'GIVEN $name WHEN a call is made THEN fails=$fails after $recorded throttled attempt(s)',
    ({ rate, answers, fails, recorded }) => {
      const log: number[] = [];
      const result = throttledAfterRetries({ rng: scripted(answers), throttleRate: rate }, () => log.push(1));
      expect(result).toBe(fails);
      expect(log).toHaveLength(recorded);
    },
  );

  test('GIVEN the adapters’ retry count WHEN every attempt is throttled THEN the call fails after exactly that many attempts', () => {
    const log: number[] = [];
    expect(
      throttledAfterRetries({ rng: scripted(Array(20).fill(true)), throttleRate: 1 }, () => log.push(1)),
    ).toBe(true);
    expect(log).toHaveLength(DEFAULT_RETRY_ATTEMPTS);
  });

  test('GIVEN a 50% rate over many calls WHEN drawn with a seeded stream THEN calls fail about rate^attempts of the time, attempts fail about half', () => {
    const rng = new Prng(42);
    let failed = 0;
    let throttled = 0;
    const calls = 20_000;
    for (let i = 0; i < calls; i++)
      if (throttledAfterRetries({ rng, throttleRate: 0.5 }, () => throttled++)) failed++;
    // 0.5^5 = 3.1 % of calls; a seeded stream makes this exact run reproducible, the bounds are loose.
    expect(failed / calls).toBeGreaterThan(0.02);
    expect(failed / calls).toBeLessThan(0.045);
    expect(throttled / (throttled + calls - failed)).toBeGreaterThan(0.45);
  });
});
