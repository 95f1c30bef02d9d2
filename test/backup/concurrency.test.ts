import fc from 'fast-check';
import { InFlight, Semaphore } from '../../lambdas/core/snapshot/concurrency';

/** A promise with its resolve/reject exposed. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Semaphore', () => {
  test('GIVEN tasks with random delays WHEN run through a semaphore THEN never more than the limit run, and all finish', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 40 }),
        async (limit, delays) => {
          const sem = new Semaphore(limit);
          let active = 0;
          let peak = 0;
          const results = await Promise.all(
            delays.map((d, i) =>
              sem.run(async () => {
                active++;
                peak = Math.max(peak, active);
                for (let k = 0; k < d; k++) await tick();
                active--;
                return i;
              }),
            ),
          );
          expect(results).toEqual(delays.map((_d, i) => i));
          expect(peak).toBeLessThanOrEqual(limit);
          expect(active).toBe(0);
        },
      ),
      { numRuns: 50 },
    );
  });

  test('GIVEN 50,000 queued tasks WHEN a semaphore of 2 runs them THEN they start in arrival order', async () => {
    const sem = new Semaphore(2);
    const started: number[] = [];
    await Promise.all(
      Array.from({ length: 50_000 }, (_v, i) =>
        sem.run(async () => {
          started.push(i);
        }),
      ),
    );
    expect(started).toEqual(Array.from({ length: 50_000 }, (_v, i) => i));
  });

  test('GIVEN a task that throws WHEN run THEN the error reaches the caller and the slot is freed', async () => {
    const sem = new Semaphore(1);
    await expect(sem.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(sem.run(async () => 7)).resolves.toBe(7);
  });
});

describe('InFlight', () => {
  test('GIVEN a limit of 3 WHEN a 4th task is added THEN add waits until one settles', async () => {
    const flight = new InFlight(3);
    const tasks = [deferred(), deferred(), deferred(), deferred()];
    await flight.add(tasks[0].promise);
    await flight.add(tasks[1].promise);
    let thirdReturned = false;
    const third = flight.add(tasks[2].promise).then(() => {
      thirdReturned = true;
    });
    await tick();
    expect(thirdReturned).toBe(false);
    tasks[0].resolve();
    await third;
    expect(thirdReturned).toBe(true);
    let drained = false;
    const drain = flight.drain().then(() => {
      drained = true;
    });
    tasks[1].resolve();
    await tick();
    expect(drained).toBe(false);
    tasks[2].resolve();
    await drain;
    expect(drained).toBe(true);
  });

  test('GIVEN a task that fails WHEN the next add or drain runs THEN the first failure is rethrown', async () => {
    const flight = new InFlight(2);
    const a = deferred();
    const b = deferred();
    await flight.add(a.promise);
    const waiting = flight.add(b.promise);
    a.reject(new Error('first'));
    b.reject(new Error('second'));
    await expect(waiting).rejects.toThrow('first');
    await expect(flight.drain()).rejects.toThrow('first');
    await expect(flight.add(Promise.resolve())).rejects.toThrow('first');
  });

  test('GIVEN 20,000 tasks WHEN added with a limit of 16 THEN never more than 16 are pending and drain sees them all done', async () => {
    const flight = new InFlight(16);
    let pending = 0;
    let peak = 0;
    let done = 0;
    for (let i = 0; i < 20_000; i++) {
      pending++;
      peak = Math.max(peak, pending);
      await flight.add(
        tick().then(() => {
          pending--;
          done++;
        }),
      );
    }
    await flight.drain();
    expect(peak).toBeLessThanOrEqual(16);
    expect(done).toBe(20_000);
  });

  test('GIVEN more concurrent adders than the limit (each adding in a loop) WHEN tasks settle in random order THEN every adder finishes: a woken adder never loses its wake-up to a newcomer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 2, max: 40 }),
        fc.array(fc.nat(3), { minLength: 1, maxLength: 64 }),
        async (limit, adders, delays) => {
          const flight = new InFlight(limit);
          let done = 0;
          let d = 0;
          const later = (n: number): Promise<void> =>
            n === 0 ? Promise.resolve() : tick().then(() => later(n - 1));
          const adder = async () => {
            for (let i = 0; i < 5; i++) {
              await flight.add(later(delays[d++ % delays.length]).then(() => void done++));
            }
          };
          let finished = false;
          const all = Promise.all(Array.from({ length: adders }, adder)).then(() => flight.drain());
          void all.then(() => {
            finished = true;
          });
          // A deadlock shows as adders still waiting long after every task could have settled.
          for (let i = 0; i < 1000 && !finished; i++) await tick();
          expect(finished).toBe(true);
          expect(done).toBe(adders * 5);
        },
      ),
      { numRuns: 60 },
    );
  });
});
