import type { EventBridgeEvent } from './aws-events';
import type { Prng } from './prng';

/** A rule: which events go to which target (a handler name). */
export interface SimRule {
  readonly name: string;
  readonly target: string;
  readonly matches: (event: EventBridgeEvent<unknown>) => boolean;
}

/** One delivery of one event to one target. */
export interface Delivery {
  readonly target: string;
  readonly event: EventBridgeEvent<unknown>;
  readonly dueMs: number;
  /** True for the extra copies at-least-once delivery produces. */
  readonly duplicate: boolean;
  readonly seq: number;
}

/** Delivery behaviour: EventBridge is at-least-once and unordered. */
export interface DeliveryPolicy {
  /** Latency range, seconds. */
  readonly latencyS: readonly [number, number];
  /** Probability that a delivery is duplicated. @default 0 */
  readonly duplicateRate: number;
  /** Extra random delay range for duplicates and reordering, seconds. @default [0, 0] */
  readonly jitterS: readonly [number, number];
}

/**
 * The simulated EventBridge: rules route events to targets, each delivery gets a random latency
 * (so events can arrive out of order) and may be delivered twice, as EventBridge allows.
 */
export class SimEventBus {
  private readonly rules: SimRule[] = [];
  private queue: Delivery[] = [];
  private seq = 0;
  /** Every event put on the bus, in put order (reports, tests). */
  readonly published: { timeMs: number; event: EventBridgeEvent<unknown> }[] = [];

  constructor(
    private readonly rng: Prng,
    public policy: DeliveryPolicy,
  ) {}

  /** Adds a rule. */
  addRule(rule: SimRule): void {
    this.rules.push(rule);
  }

  /** Puts an event on the bus at `nowMs`; matching targets receive it later. */
  put(event: EventBridgeEvent<unknown>, nowMs: number): void {
    this.published.push({ timeMs: nowMs, event });
    for (const rule of this.rules) {
      if (!rule.matches(event)) continue;
      const copies = 1 + (this.rng.chance(this.policy.duplicateRate) ? 1 : 0);
      for (let i = 0; i < copies; i++) {
        const [lo, hi] = this.policy.latencyS;
        const [jlo, jhi] = this.policy.jitterS;
        const delayS = this.rng.uniform(lo, hi) + (jhi > 0 ? this.rng.uniform(jlo, jhi) : 0);
        this.queue.push({
          target: rule.target,
          event,
          dueMs: nowMs + delayS * 1000,
          duplicate: i > 0,
          seq: this.seq++,
        });
      }
    }
  }

  /** Removes and returns the deliveries due at or before `nowMs`, in due-time order. */
  takeDue(nowMs: number): Delivery[] {
    const due = this.queue.filter((d) => d.dueMs <= nowMs);
    if (due.length === 0) return due;
    this.queue = this.queue.filter((d) => d.dueMs > nowMs);
    return due.sort((a, b) => a.dueMs - b.dueMs || a.seq - b.seq);
  }

  /** Deliveries still in flight. */
  pending(): number {
    return this.queue.length;
  }
}
