import { type AlarmState, alarmStateChangeEvent, alarmTimestamp } from './aws-events';
import type { SimMetricStore } from './sim-metric-store';
import type { SimContext } from './sim-types';

/** A CloudWatch alarm the region evaluates, M of N datapoints. */
export interface SimAlarmDefinition {
  readonly name: string;
  readonly description?: string;
  readonly periodS: number;
  /** N. */
  readonly evaluationPeriods: number;
  /** M. */
  readonly datapointsToAlarm: number;
  readonly threshold: number;
  readonly comparison:
    | 'GreaterThanThreshold'
    | 'GreaterThanOrEqualToThreshold'
    | 'LessThanThreshold'
    | 'LessThanOrEqualToThreshold';
  /** @default 'missing' */
  readonly treatMissingData?: 'missing' | 'notBreaching' | 'breaching' | 'ignore';
  /** The alarm's metric (or metric math) value for the period starting at `periodStartMs`. */
  readonly value: (metrics: SimMetricStore, periodStartMs: number, periodS: number) => number | undefined;
  /** What the alarm event's `configuration.metrics` carries (the alarm's metric definitions). */
  readonly metricsConfig?: readonly unknown[];
}

interface SimAlarm {
  readonly def: SimAlarmDefinition;
  readonly arn: string;
  state: AlarmState;
  reason: string;
  changedAtMs: number;
}

/** What {@link SimAlarms} needs from the rest of the region. */
export interface SimAlarmsDeps extends Pick<SimContext, 'region' | 'account' | 'nowMs' | 'bus' | 'origin'> {
  /** The store alarms read their metrics from. */
  readonly metrics: SimMetricStore;
}

/**
 * The simulated CloudWatch alarms: each evaluates M of N datapoints at every multiple of its period,
 * as CloudWatch does, and puts an alarm state change event on the bus when its state changes.
 */
export class SimAlarms {
  private readonly alarms: SimAlarm[] = [];

  constructor(private readonly deps: SimAlarmsDeps) {}

  /** Adds a CloudWatch alarm, evaluated at each multiple of its period, and returns its ARN. */
  add(def: SimAlarmDefinition): string {
    const arn = `arn:aws:cloudwatch:${this.deps.region}:${this.deps.account}:alarm:${def.name}`;
    this.alarms.push({
      def,
      arn,
      state: 'INSUFFICIENT_DATA',
      reason: 'Unchecked: Initial alarm creation',
      changedAtMs: this.deps.nowMs(),
    });
    return arn;
  }

  /** Current alarm states. */
  states(): { name: string; state: AlarmState; changedAtMs: number }[] {
    return this.alarms.map((a) => ({ name: a.def.name, state: a.state, changedAtMs: a.changedAtMs }));
  }

  /** Evaluates, in the order they were added, the alarms whose period ends at `now`. */
  evaluate(now: number): void {
    for (const alarm of this.alarms)
      if (now % (alarm.def.periodS * 1000) === 0) this.evaluateAlarm(alarm, now);
  }

  private evaluateAlarm(alarm: SimAlarm, now: number): void {
    const { periodS, evaluationPeriods, datapointsToAlarm, threshold, comparison } = alarm.def;
    const treat = alarm.def.treatMissingData ?? 'missing';
    const periodMs = periodS * 1000;
    let breaching = 0;
    let present = 0;
    const values: (number | undefined)[] = [];
    for (let i = evaluationPeriods; i >= 1; i--) {
      const start = now - i * periodMs;
      const v = alarm.def.value(this.deps.metrics, start, periodS);
      values.push(v);
      if (v === undefined) {
        if (treat === 'breaching') breaching++;
        if (treat === 'breaching' || treat === 'notBreaching') present++;
        continue;
      }
      present++;
      if (compare(v, comparison, threshold)) breaching++;
    }
    let next: AlarmState;
    if (breaching >= datapointsToAlarm) next = 'ALARM';
    else if (present === 0) next = treat === 'ignore' ? alarm.state : 'INSUFFICIENT_DATA';
    else next = 'OK';
    if (next === alarm.state) return;
    const shown = values.map((v) => (v === undefined ? 'missing' : Number(v.toFixed(4)))).join(', ');
    const reason = `Threshold Crossed: ${breaching} out of the last ${evaluationPeriods} datapoints [${shown}] were ${comparison} the threshold (${threshold}) (minimum ${datapointsToAlarm} datapoints for ALARM).`;
    const previous = {
      value: alarm.state,
      reason: alarm.reason,
      timestamp: alarmTimestamp(alarm.changedAtMs),
    };
    alarm.state = next;
    alarm.reason = reason;
    alarm.changedAtMs = now;
    this.deps.bus.put(
      alarmStateChangeEvent(this.deps.origin(), alarm.arn, {
        alarmName: alarm.def.name,
        state: { value: next, reason, timestamp: alarmTimestamp(now) },
        previousState: previous,
        configuration: {
          ...(alarm.def.description ? { description: alarm.def.description } : {}),
          metrics: alarm.def.metricsConfig ?? [],
        },
      }),
      now,
    );
  }
}

function compare(v: number, op: SimAlarmDefinition['comparison'], threshold: number): boolean {
  switch (op) {
    case 'GreaterThanThreshold':
      return v > threshold;
    case 'GreaterThanOrEqualToThreshold':
      return v >= threshold;
    case 'LessThanThreshold':
      return v < threshold;
    case 'LessThanOrEqualToThreshold':
      return v <= threshold;
  }
}
