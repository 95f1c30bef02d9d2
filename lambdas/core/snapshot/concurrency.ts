/**
 * A FIFO of waiters with O(1) push and shift. `Array.prototype.shift` is O(n): with every file of a
 * 25,000-file tree queued on one semaphore, shifting an array cost ~0.3 s of main-thread time.
 */
class WaitQueue {
  private items: (() => void)[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(wake: () => void): void {
    this.items.push(wake);
  }

  /** Wakes the oldest waiter, if any. */
  wakeOne(): void {
    if (this.head === this.items.length) return;
    const wake = this.items[this.head++];
    // Drop the consumed prefix now and then so memory stays bounded.
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    wake();
  }

  /** Wakes every waiter. */
  wakeAll(): void {
    while (this.size > 0) this.wakeOne();
  }
}

/** A counting semaphore: at most `limit` tasks run at once. */
export class Semaphore {
  private active = 0;
  private readonly waiting = new WaitQueue();

  constructor(private readonly limit: number) {}

  /** Runs `fn` when a slot is free; slots are handed out first come, first served. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      // Hand the slot straight to the next waiter (active stays the same), or free it.
      if (this.waiting.size > 0) this.waiting.wakeOne();
      else this.active--;
    }
  }
}

/**
 * Bounds the promises in flight: an `add` that finds `limit` running waits until one settles (each
 * waiting adder's own task counts too). The first failure is rethrown by the next call. A counter
 * and a waiter queue, not `Promise.race` over the set: each race adds a reaction to every pending
 * promise, so a long run with thousands of adds did quadratic work.
 */
export class InFlight {
  private running = 0;
  private readonly slotFreed = new WaitQueue();
  private readonly idle = new WaitQueue();
  private failure: unknown;
  private failed = false;

  constructor(private readonly limit: number) {}

  /** Adds a task, waiting first while `limit` are running. */
  async add(task: Promise<void>): Promise<void> {
    this.running++;
    task.then(
      () => this.settle(),
      (error) => {
        if (!this.failed) {
          this.failed = true;
          this.failure = error;
        }
        this.settle();
      },
    );
    // One wait, then proceed: each settle wakes exactly one adder and hands it the freed slot. An
    // adder that re-checked the count could find it taken by a newcomer and wait again, having used
    // up that wake-up; with more adders than the limit, some then waited forever.
    if (this.running >= this.limit && !this.failed) {
      await new Promise<void>((resolve) => this.slotFreed.push(resolve));
    }
    if (this.failed) throw this.failure;
  }

  /** Waits for every task; rethrows the first failure. */
  async drain(): Promise<void> {
    while (this.running > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    if (this.failed) throw this.failure;
  }

  private settle(): void {
    this.running--;
    // A failure wakes every adder so each rethrows it at once.
    if (this.failed) this.slotFreed.wakeAll();
    else this.slotFreed.wakeOne();
    if (this.running === 0) this.idle.wakeAll();
  }
}
