import type { Clock } from '../../ports/clock';

/** 2026-01-01T00:00:00Z: every drill starts here, so reports do not depend on the wall clock. */
export const SIM_EPOCH_MS = Date.UTC(2026, 0, 1, 0, 0, 0);

/** A {@link Clock} that only moves when the simulation advances it. */
export class SimClock implements Clock {
  constructor(private now: number = SIM_EPOCH_MS) {}

  nowMs(): number {
    return this.now;
  }

  /** Moves time forward; time never goes backwards. */
  advanceTo(ms: number): void {
    if (ms < this.now) throw new Error(`SimClock cannot go back from ${this.now} to ${ms}`);
    this.now = ms;
  }
}
