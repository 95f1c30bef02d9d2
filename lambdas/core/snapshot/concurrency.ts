/** A counting semaphore: at most `limit` tasks run at once. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Runs `fn` when a slot is free. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/** Keeps at most `limit` promises in flight; the first failure is rethrown by the next call. */
export class InFlight {
  private readonly set = new Set<Promise<void>>();
  private failure: unknown;
  private failed = false;

  constructor(private readonly limit: number) {}

  /** Adds a task, waiting first while `limit` are running. */
  async add(task: Promise<void>): Promise<void> {
    const p: Promise<void> = task.then(
      () => {
        this.set.delete(p);
      },
      (error) => {
        this.set.delete(p);
        if (!this.failed) {
          this.failed = true;
          this.failure = error;
        }
      },
    );
    this.set.add(p);
    while (this.set.size >= this.limit) await Promise.race(this.set);
    if (this.failed) throw this.failure;
  }

  /** Waits for every task; rethrows the first failure. */
  async drain(): Promise<void> {
    await Promise.all(this.set);
    if (this.failed) throw this.failure;
  }
}
