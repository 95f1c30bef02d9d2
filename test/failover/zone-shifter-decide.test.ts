import fc from 'fast-check';
import { MAX_WEIGHT, weightProblems } from '../../lambdas/core/weights';
import {
  decide,
  degradedPercent,
  expectedWeights,
  isEscalation,
  lostAllTargets,
  type ZoneShifterCell,
  type ZoneShifterDecision,
  type ZoneShifterInput,
} from '../../lambdas/zone-shifter/decide';
import { INITIAL_SHIFT, type RestoringShift, type ShiftState } from '../../lambdas/zone-shifter/shift-state';
import { AZS, cells, health, policyWith, tgArn } from './fixtures';

const policy = policyWith();
const NOW = 1_800_000_000_000;
const MIN = 60_000;

function input(partial: Partial<ZoneShifterInput> & { n?: number }): ZoneShifterInput {
  const c = partial.cells ?? cells(partial.n ?? 3);
  const shift = partial.shift ?? INITIAL_SHIFT;
  const p = partial.policy ?? policy;
  return {
    nowMs: partial.nowMs ?? NOW,
    cells: c,
    shift,
    policy: p,
    listenerWeights: partial.listenerWeights ?? expectedWeights(c, shift, p),
  };
}

const evacuated = (
  az: string,
  extra: Partial<Extract<ShiftState, { phase: 'evacuated' }>> = {},
): ShiftState => ({
  phase: 'evacuated',
  az,
  revision: 3,
  lastActionAtMs: NOW - 20 * MIN,
  evacuatedAtMs: NOW - 20 * MIN,
  leaseExpiresAtMs: NOW + 10 * MIN,
  detectionMs: 3 * MIN,
  restoreDesired: { 'us-east-1b': 4, 'us-east-1c': 4 },
  scaledTo: { 'us-east-1b': 6, 'us-east-1c': 6 },
  ...extra,
});

const restoring = (az: string, step: number, stepAgoMs: number): ShiftState => ({
  phase: 'restoring',
  az,
  revision: 4,
  step,
  stepAtMs: NOW - stepAgoMs,
  lastActionAtMs: NOW - stepAgoMs,
  restoreDesired: { 'us-east-1b': 4, 'us-east-1c': 4 },
  scaledTo: { 'us-east-1b': 6, 'us-east-1c': 6 },
});

const a = AZS[0];

describe('zone-shifter decide: every branch', () => {
  test.each<[string, ZoneShifterInput, ZoneShifterDecision['kind'], RegExp]>([
    ['all healthy, 3 AZs', input({}), 'none', /all 3 AZs healthy/],
    ['all healthy, 2 AZs', input({ n: 2 }), 'none', /all 2 AZs healthy/],
    ['all healthy, 5 AZs', input({ n: 5 }), 'none', /all 5 AZs healthy/],
    [
      'missing data, nothing impaired',
      input({ cells: cells(3, { [AZS[1]]: { status: 'unknown' } }) }),
      'none',
      /missing data for us-east-1b/,
    ],
    [
      'one AZ bad, 3 AZs',
      input({ cells: cells(3, { [a]: { status: 'impaired' } }) }),
      'evacuate',
      /us-east-1a impaired/,
    ],
    [
      'one AZ bad, 2 AZs',
      input({ cells: cells(2, { [a]: { status: 'impaired' } }) }),
      'evacuate',
      /impaired/,
    ],
    [
      'one AZ bad, 5 AZs',
      input({ cells: cells(5, { [AZS[4]]: { status: 'impaired' } }) }),
      'evacuate',
      /us-east-1f impaired/,
    ],
    [
      'two AZs bad: regional',
      input({ cells: cells(3, { [a]: { status: 'impaired' }, [AZS[1]]: { status: 'impaired' } }) }),
      'alert-only',
      /regional/,
    ],
    [
      'one bad, another unknown',
      input({ cells: cells(3, { [a]: { status: 'impaired' }, [AZS[2]]: { status: 'unknown' } }) }),
      'alert-only',
      /cannot be confirmed/,
    ],
    ['one cell only', input({ cells: cells(1, { [a]: { status: 'impaired' } }) }), 'alert-only', /only cell/],
    [
      'one bad but others under capacity',
      input({
        cells: cells(3, {
          [a]: { status: 'impaired' },
          [AZS[1]]: { runningCount: 1 },
          [AZS[2]]: { runningCount: 4 },
        }),
      }),
      'alert-only',
      /minimum healthy capacity of 6/,
    ],
    [
      'one bad inside cooldown',
      input({
        cells: cells(3, { [a]: { status: 'impaired' } }),
        shift: { phase: 'steady', revision: 2, lastActionAtMs: NOW - 4 * MIN },
      }),
      'none',
      /cooldown/,
    ],
    [
      'one bad exactly at cooldown end',
      input({
        cells: cells(3, { [a]: { status: 'impaired' } }),
        shift: { phase: 'steady', revision: 2, lastActionAtMs: NOW - 5 * MIN },
      }),
      'evacuate',
      /impaired/,
    ],
    [
      'evacuated, still impaired: lease renewed',
      input({ cells: cells(3, { [a]: { status: 'impaired' } }), shift: evacuated(a) }),
      'none',
      /lease renewed/,
    ],
    [
      'evacuated, lease expired',
      input({
        cells: cells(3, { [a]: { status: 'unknown' } }),
        shift: evacuated(a, { leaseExpiresAtMs: NOW }),
      }),
      'restore',
      /lease .* expired/,
    ],
    [
      'evacuated, lease expired inside cooldown',
      input({
        cells: cells(3, { [a]: { status: 'unknown' } }),
        shift: evacuated(a, { leaseExpiresAtMs: NOW, lastActionAtMs: NOW - MIN }),
      }),
      'none',
      /expired; cooldown/,
    ],
    [
      'evacuated, no data',
      input({ cells: cells(3, { [a]: { status: 'unknown' } }), shift: evacuated(a) }),
      'none',
      /cannot be confirmed/,
    ],
    [
      'evacuated, recovering but hysteresis not met (detection 3 min → hold 10 min)',
      input({
        cells: cells(3, { [a]: { health: health(a, 'healthy', { goodForMs: 9 * MIN }) } }),
        shift: evacuated(a),
      }),
      'none',
      /540 s of the 600 s/,
    ],
    [
      'evacuated, recovery held exactly the hold',
      input({
        cells: cells(3, { [a]: { health: health(a, 'healthy', { goodForMs: 10 * MIN }) } }),
        shift: evacuated(a),
      }),
      'restore',
      /ramping back/,
    ],
    [
      'evacuated, slow detection makes the hold longer (2 × 8 min)',
      input({
        cells: cells(3, { [a]: { health: health(a, 'healthy', { goodForMs: 15 * MIN }) } }),
        shift: evacuated(a, { detectionMs: 8 * MIN }),
      }),
      'none',
      /of the 960 s/,
    ],
    [
      'evacuated, recovered but inside cooldown',
      input({
        cells: cells(3, { [a]: { status: 'healthy' } }),
        shift: evacuated(a, { lastActionAtMs: NOW - 2 * MIN }),
      }),
      'none',
      /recovered; cooldown/,
    ],
    [
      'evacuated, flapping (good run short after a relapse)',
      input({
        cells: cells(3, {
          [a]: {
            health: health(a, 'healthy', { goodForMs: MIN, recent: ['bad', 'good', 'bad', 'good', 'good'] }),
          },
        }),
        shift: evacuated(a),
      }),
      'none',
      /recovering/,
    ],
    [
      'evacuated, a second AZ goes bad: hold',
      input({
        cells: cells(3, { [a]: { status: 'impaired' }, [AZS[1]]: { status: 'impaired' } }),
        shift: evacuated(a),
      }),
      'alert-only',
      /regional event, holding/,
    ],
    [
      'evacuated AZ left the stack',
      input({ cells: cells(3), shift: evacuated('us-east-1z') }),
      'none',
      /evacuated AZ us-east-1z is no longer a cell/,
    ],
    [
      'restoring AZ left the stack',
      input({ cells: cells(3), shift: { ...(restoring(a, 0, MIN) as RestoringShift), az: 'us-east-1z' } }),
      'none',
      /restoring AZ us-east-1z is no longer a cell/,
    ],
    [
      'ramp in progress, step held',
      input({ shift: restoring(a, 0, 2 * MIN) }),
      'none',
      /ramp of us-east-1a at 10% held/,
    ],
    [
      'ramp in progress, next step',
      input({ shift: restoring(a, 0, 5 * MIN) }),
      'restore',
      /step 2 of 3 \(50%\)/,
    ],
    ['ramp last step', input({ shift: restoring(a, 1, 5 * MIN) }), 'restore', /step 3 of 3 \(100%\)/],
    [
      'ramp relapse: evacuate again',
      input({ cells: cells(3, { [a]: { status: 'impaired' } }), shift: restoring(a, 1, 6 * MIN) }),
      'evacuate',
      /relapsed/,
    ],
    [
      'ramp, another AZ bad: hold',
      input({ cells: cells(3, { [AZS[2]]: { status: 'impaired' } }), shift: restoring(a, 1, 6 * MIN) }),
      'alert-only',
      /holding the ramp/,
    ],
    [
      'listener changed by hand, policy says stand back',
      input({
        listenerWeights: [
          { targetGroupArn: tgArn(a), weight: 0 },
          { targetGroupArn: tgArn(AZS[1]), weight: 100 },
          { targetGroupArn: tgArn(AZS[2]), weight: 100 },
        ],
      }),
      'alert-only',
      /changed outside Bulkhead/,
    ],
    [
      'listener changed by hand, policy says correct',
      input({
        policy: policyWith({ zoneShift: { correctDrift: true } }),
        listenerWeights: [
          { targetGroupArn: tgArn(a), weight: 5 },
          { targetGroupArn: tgArn(AZS[1]), weight: 100 },
          { targetGroupArn: tgArn(AZS[2]), weight: 100 },
        ],
      }),
      'correct-drift',
      /rewriting the expected weights/,
    ],
    [
      'listener changed by hand and an AZ bad, policy says correct: the evacuation rewrites it',
      input({
        cells: cells(3, { [AZS[1]]: { status: 'impaired' } }),
        policy: policyWith({ zoneShift: { correctDrift: true } }),
        listenerWeights: [
          { targetGroupArn: tgArn(a), weight: 5 },
          { targetGroupArn: tgArn(AZS[1]), weight: 100 },
          { targetGroupArn: tgArn(AZS[2]), weight: 100 },
        ],
      }),
      'evacuate',
      /us-east-1b impaired/,
    ],
  ])('GIVEN %s WHEN deciding THEN %s', (_name, given, kind, reason) => {
    const decision = decide(given);
    expect(decision.kind).toBe(kind);
    expect(decision.reason).toMatch(reason);
  });

  // No healthy target: the fast path on target health, before M of N periods of statistics.
  const lost = { targets: { healthy: 0, initial: 0, other: 4 } };
  const fine = { targets: { healthy: 4, initial: 0, other: 0 } };
  test.each<[string, ZoneShifterInput, ZoneShifterDecision['kind'], RegExp]>([
    [
      'a cell with no healthy target, detection still healthy',
      input({ cells: cells(3, { [a]: lost, [AZS[1]]: fine, [AZS[2]]: fine }) }),
      'evacuate',
      /us-east-1a impaired: no healthy target \(4 registered/,
    ],
    [
      'a cell with no target registered at all (tasks gone, none placed)',
      input({ cells: cells(3, { [a]: { targets: { healthy: 0, initial: 0, other: 0 } } }) }),
      'evacuate',
      /no healthy target \(0 registered/,
    ],
    [
      'a cell with no healthy target, 2 AZs',
      input({ cells: cells(2, { [AZS[1]]: lost }) }),
      'evacuate',
      /us-east-1b impaired: no healthy target/,
    ],
    [
      'a cell with no healthy target but some starting (initial)',
      input({ cells: cells(3, { [a]: { targets: { healthy: 0, initial: 2, other: 0 } } }) }),
      'none',
      /all 3 AZs healthy/,
    ],
    [
      'a cell with no healthy target and desired 0 (scaled in on purpose)',
      input({ cells: cells(3, { [a]: { ...lost, desiredCount: 0 } }) }),
      'none',
      /all 3 AZs healthy/,
    ],
    [
      'target health unreadable (absent)',
      input({ cells: cells(3, { [a]: { targets: undefined } }) }),
      'none',
      /all 3 AZs healthy/,
    ],
    [
      'two cells with no healthy target: regional',
      input({ cells: cells(3, { [a]: lost, [AZS[1]]: lost }) }),
      'alert-only',
      /2 AZs look impaired.*regional/,
    ],
    [
      'one cell with no healthy target, another impaired by detection',
      input({ cells: cells(3, { [a]: lost, [AZS[2]]: { status: 'impaired' } }) }),
      'alert-only',
      /regional/,
    ],
    [
      'one cell with no healthy target, another over a threshold in the window',
      input({
        cells: cells(3, {
          [a]: lost,
          [AZS[1]]: { health: health(AZS[1], 'healthy', { overThresholdInWindow: 1 }) },
        }),
      }),
      'alert-only',
      /also crossed a threshold/,
    ],
    [
      'one cell with no healthy target, another unknown',
      input({ cells: cells(3, { [a]: lost, [AZS[1]]: { status: 'unknown' } }) }),
      'alert-only',
      /cannot be confirmed/,
    ],
    [
      'one cell with no healthy target inside the cooldown',
      input({
        cells: cells(3, { [a]: lost }),
        shift: { phase: 'steady', revision: 2, lastActionAtMs: NOW - MIN },
      }),
      'none',
      /cooldown/,
    ],
    [
      'one cell with no healthy target, the others under capacity',
      input({ cells: cells(3, { [a]: lost, [AZS[1]]: { runningCount: 1 }, [AZS[2]]: { runningCount: 1 } }) }),
      'alert-only',
      /minimum healthy capacity/,
    ],
    [
      'evacuated AZ still has no healthy target though detection reads it healthy for long',
      input({
        cells: cells(3, { [a]: { ...lost, health: health(a, 'healthy', { goodForMs: 60 * MIN }) } }),
        shift: evacuated(a),
      }),
      'none',
      /still impaired; evacuation lease renewed/,
    ],
    [
      'evacuated AZ, another cell loses every healthy target',
      input({ cells: cells(3, { [AZS[1]]: lost }), shift: evacuated(a) }),
      'alert-only',
      /regional event, holding/,
    ],
    [
      'ramping AZ loses every healthy target: relapse',
      input({ cells: cells(3, { [a]: lost }), shift: restoring(a, 0, 10 * MIN) }),
      'evacuate',
      /relapsed during the ramp: no healthy target/,
    ],
    [
      'a cell lost half its tasks (1 healthy of 2, others 2)',
      input({
        cells: cells(3, {
          [a]: { desiredCount: 2, targets: { healthy: 1, initial: 0, other: 1 } },
          [AZS[1]]: { targets: { healthy: 2, initial: 0, other: 0 } },
          [AZS[2]]: { targets: { healthy: 2, initial: 0, other: 0 } },
        }),
      }),
      'evacuate',
      /us-east-1a lost capacity: 1 healthy targets of 2 desired; weight reduced to 50%/,
    ],
    [
      'every cell scaling out together (healthy below desired everywhere): no loss',
      input({
        cells: cells(3, {
          [a]: { targets: { healthy: 2, initial: 0, other: 0 } },
          [AZS[1]]: { targets: { healthy: 2, initial: 0, other: 0 } },
          [AZS[2]]: { targets: { healthy: 2, initial: 0, other: 0 } },
        }),
      }),
      'none',
      /all 3 AZs healthy/,
    ],
    [
      'a cell short of tasks but above the loss fraction (3 of 4, others 4)',
      input({
        cells: cells(3, {
          [a]: { targets: { healthy: 3, initial: 0, other: 1 } },
          [AZS[1]]: fine,
          [AZS[2]]: fine,
        }),
      }),
      'none',
      /all 3 AZs healthy/,
    ],
    [
      'two cells lost capacity: regional',
      input({
        cells: cells(3, {
          [a]: { targets: { healthy: 1, initial: 0, other: 3 } },
          [AZS[1]]: { targets: { healthy: 1, initial: 0, other: 3 } },
          [AZS[2]]: fine,
        }),
      }),
      'alert-only',
      /2 AZs lost capacity.*regional/,
    ],
    [
      'a cell lost capacity while another crossed a threshold',
      input({
        cells: cells(3, {
          [a]: { targets: { healthy: 1, initial: 0, other: 3 } },
          [AZS[1]]: { ...fine, health: health(AZS[1], 'healthy', { overThresholdInWindow: 2 }) },
          [AZS[2]]: fine,
        }),
      }),
      'alert-only',
      /also crossed a threshold/,
    ],
    [
      'held at a reduced weight and still short: lease renewed',
      input({
        cells: cells(3, { [a]: { targets: { healthy: 1, initial: 0, other: 0 } } }),
        shift: evacuated(a, { keepPercent: 25 }),
      }),
      'none',
      /still short of capacity \(1 healthy of 4\); shift lease renewed/,
    ],
    [
      'held at a reduced weight, now impaired outright: full evacuation',
      input({
        cells: cells(3, { [a]: lost }),
        shift: evacuated(a, { keepPercent: 25, lastActionAtMs: NOW - 20 * MIN }),
      }),
      'evacuate',
      /impaired while held at 25%/,
    ],
    [
      'held at a reduced weight inside the cooldown, same AZ now impaired: escalates (exempt from cooldown)',
      input({
        cells: cells(3, { [a]: { status: 'impaired' } }),
        shift: evacuated(a, { keepPercent: 50, lastActionAtMs: NOW - MIN }),
      }),
      'evacuate',
      /impaired while held at 50%/,
    ],
    [
      'held at a reduced weight inside the cooldown, same AZ loses every target: escalates',
      input({
        cells: cells(3, { [a]: lost }),
        shift: evacuated(a, { keepPercent: 50, lastActionAtMs: NOW - MIN }),
      }),
      'evacuate',
      /impaired while held at 50%: no healthy target/,
    ],
    [
      'held at a reduced weight inside the cooldown, another AZ impaired: alert only',
      input({
        cells: cells(3, { [AZS[1]]: { status: 'impaired' } }),
        shift: evacuated(a, { keepPercent: 50, lastActionAtMs: NOW - MIN }),
      }),
      'alert-only',
      /regional event, holding/,
    ],
    [
      'held at a reduced weight inside the cooldown, same AZ impaired and another crossed a threshold: alert only',
      input({
        cells: cells(3, {
          [a]: { status: 'impaired' },
          [AZS[1]]: { ...fine, health: health(AZS[1], 'healthy', { overThresholdInWindow: 1 }) },
        }),
        shift: evacuated(a, { keepPercent: 50, lastActionAtMs: NOW - MIN }),
      }),
      'alert-only',
      /also crossed a threshold/,
    ],
    [
      'held at a reduced weight inside the cooldown, same AZ impaired but the others too small: alert only',
      input({
        cells: cells(3, {
          [a]: { status: 'impaired' },
          [AZS[1]]: { runningCount: 1 },
          [AZS[2]]: { runningCount: 1 },
        }),
        shift: evacuated(a, { keepPercent: 50, lastActionAtMs: NOW - MIN }),
      }),
      'alert-only',
      /minimum healthy capacity/,
    ],
    [
      'fully evacuated and recovered inside the cooldown: no restore step',
      input({
        cells: cells(3, {
          [a]: { status: 'healthy', health: health(a, 'healthy', { goodForMs: 60 * MIN }) },
        }),
        shift: evacuated(a, { lastActionAtMs: NOW - MIN }),
      }),
      'none',
      /recovered; cooldown/,
    ],
    [
      'held at a reduced weight and recovered inside the cooldown: no restore step',
      input({
        cells: cells(3, { [a]: { ...fine, health: health(a, 'healthy', { goodForMs: 60 * MIN }) } }),
        shift: evacuated(a, { keepPercent: 50, lastActionAtMs: NOW - MIN }),
      }),
      'none',
      /recovered; cooldown/,
    ],
    [
      'ramping back inside the cooldown, same AZ relapses: out again at once (exempt, like an escalation)',
      input({ cells: cells(3, { [a]: { status: 'impaired' } }), shift: restoring(a, 0, MIN) }),
      'evacuate',
      /relapsed during the ramp/,
    ],
    [
      'ramping back inside the cooldown, another AZ impaired: held (the exemption is for the same AZ only)',
      input({ cells: cells(3, { [AZS[1]]: { status: 'impaired' } }), shift: restoring(a, 0, MIN) }),
      'alert-only',
      /holding the ramp/,
    ],
    [
      'ramp held long enough but one bad period in the window: no step up',
      input({
        cells: cells(3, { [a]: { status: 'healthy', health: health(a, 'healthy', { badInWindow: 1 }) } }),
        shift: restoring(a, 0, 10 * MIN),
      }),
      'none',
      /held: 1 bad period/,
    ],
    [
      'ramp held long enough but the AZ cannot be confirmed healthy: no step up',
      input({ cells: cells(3, { [a]: { status: 'unknown' } }), shift: restoring(a, 0, 10 * MIN) }),
      'none',
      /held: recovery cannot be confirmed/,
    ],
    [
      'held at 50 % and recovered: the ramp starts above 50 % (straight to equal)',
      input({ cells: cells(3, { [a]: fine }), shift: evacuated(a, { keepPercent: 50 }) }),
      'restore',
      /ramping back/,
    ],
    [
      'ramping AZ, another cell loses every healthy target: ramp held',
      input({ cells: cells(3, { [AZS[2]]: lost }), shift: restoring(a, 0, 10 * MIN) }),
      'alert-only',
      /holding the ramp/,
    ],
  ])('GIVEN %s WHEN deciding THEN %s', (_name, given, kind, reason) => {
    const decision = decide(given);
    expect(decision.kind).toBe(kind);
    expect(decision.reason).toMatch(reason);
  });

  test('GIVEN one AZ bad of 3 WHEN evacuating THEN its weight is 0, the others equal, and they scale up to carry all 12 tasks', () => {
    const decision = decide(input({ cells: cells(3, { [a]: { status: 'impaired' } }) }));
    if (decision.kind !== 'evacuate') throw new Error(decision.reason);
    expect(decision.weights).toEqual([
      { targetGroupArn: tgArn(a), weight: 0 },
      { targetGroupArn: tgArn(AZS[1]), weight: 100 },
      { targetGroupArn: tgArn(AZS[2]), weight: 100 },
    ]);
    expect(decision.scaleUps).toEqual([
      { az: AZS[1], serviceName: 'cell-b', desiredCount: 6 },
      { az: AZS[2], serviceName: 'cell-c', desiredCount: 6 },
    ]);
    expect(decision.next).toMatchObject({
      phase: 'evacuated',
      az: a,
      revision: 1,
      leaseExpiresAtMs: NOW + 1_800_000,
      detectionMs: 180_000,
    });
  });

  test('GIVEN a cell at half capacity WHEN shifting THEN it keeps half the equal weight, the others scale up, and the state remembers it', () => {
    const c = cells(3, {
      [a]: { desiredCount: 2, runningCount: 1, targets: { healthy: 1, initial: 0, other: 1 } },
      [AZS[1]]: { desiredCount: 2, runningCount: 2, targets: { healthy: 2, initial: 0, other: 0 } },
      [AZS[2]]: { desiredCount: 2, runningCount: 2, targets: { healthy: 2, initial: 0, other: 0 } },
    });
    const d = decide(input({ cells: c }));
    if (d.kind !== 'evacuate') throw new Error(d.reason);
    expect(d.weights.map((w) => w.weight)).toEqual([50, 100, 100]);
    expect(d.scaleUps.map((u) => u.desiredCount)).toEqual([3, 3]);
    expect(d.next.keepPercent).toBe(50);
    expect(expectedWeights(c, d.next, policy).map((w) => w.weight)).toEqual([50, 100, 100]);
    const back = decide(input({ cells: cells(3, { [a]: fine }), shift: evacuated(a, { keepPercent: 50 }) }));
    if (back.kind !== 'restore') throw new Error(back.reason);
    expect(back.percent).toBe(100);
  });

  test('GIVEN a ramp WHEN it steps THEN the weights go 10 → 50 → equal and the last step undoes only our scale-ups', () => {
    const first = decide(input({ cells: cells(3, { [a]: { status: 'healthy' } }), shift: evacuated(a) }));
    if (first.kind !== 'restore') throw new Error(first.reason);
    expect(first.weights.map((w) => w.weight)).toEqual([10, 100, 100]);
    const second = decide(input({ shift: restoring(a, 0, 5 * MIN) }));
    if (second.kind !== 'restore') throw new Error(second.reason);
    expect(second.weights.map((w) => w.weight)).toEqual([50, 100, 100]);
    const c = cells(3, { [AZS[1]]: { desiredCount: 6 }, [AZS[2]]: { desiredCount: 7 } });
    const last = decide(input({ cells: c, shift: restoring(a, 1, 5 * MIN) }));
    if (last.kind !== 'restore') throw new Error(last.reason);
    expect(last.weights.map((w) => w.weight)).toEqual([100, 100, 100]);
    // us-east-1c was moved to 7 by someone else after our scale-up to 6: theirs, left alone.
    expect(last.scaleDowns).toEqual([{ az: AZS[1], serviceName: 'cell-b', desiredCount: 4 }]);
    expect(last.next).toMatchObject({ phase: 'steady', revision: 5 });
  });
});

describe('zone-shifter decide: which moves are exempt from the cooldown', () => {
  const b = AZS[1];
  test.each([
    ['a reduced shift of a, taken fully out', evacuated(a, { keepPercent: 50 }), a, undefined, true],
    ['a ramp of a that relapses, taken fully out', restoring(a, 0, MIN), a, undefined, true],
    ['a reduced shift of a, then b evacuated', evacuated(a, { keepPercent: 50 }), b, undefined, false],
    ['a ramp of a, then b evacuated', restoring(a, 0, MIN), b, undefined, false],
    ['a full evacuation of a, evacuated again', evacuated(a), a, undefined, false],
    ['a reduced shift of a, reduced again', evacuated(a, { keepPercent: 50 }), a, 25, false],
    ['a ramp of a, reduced instead of out', restoring(a, 0, MIN), a, 50, false],
    ['steady, a evacuated', INITIAL_SHIFT, a, undefined, false],
  ] as const)('GIVEN %s WHEN checked THEN exempt=%s', (_name, shift, az, keepPercent, exempt) => {
    expect(isEscalation(shift, az, keepPercent)).toBe(exempt);
  });
});

describe('zone-shifter decide: a held shift converges on its scale-ups', () => {
  const b = AZS[1];
  const c = AZS[2];
  const recovering = { status: 'healthy' as const, health: health(a, 'healthy', { goodForMs: 0 }) };
  test.each<[string, ZoneShifterInput, { az: string; desiredCount: number }[] | undefined, RegExp]>([
    [
      'an evacuation held (still impaired) and 1b still at 4 of the 6 it was scaled to',
      input({
        cells: cells(3, { [a]: { status: 'impaired' }, [c]: { desiredCount: 6 } }),
        shift: evacuated(a),
      }),
      [{ az: b, desiredCount: 6 }],
      /still impaired; evacuation lease renewed; re-issuing the held shift's scale-up of us-east-1b to 6/,
    ],
    [
      'an evacuation held inside the cooldown (recovering) and both cells below target',
      input({
        cells: cells(3, { [a]: recovering }),
        shift: evacuated(a, { lastActionAtMs: NOW - MIN }),
      }),
      [
        { az: b, desiredCount: 6 },
        { az: c, desiredCount: 6 },
      ],
      /recovering.*re-issuing/,
    ],
    [
      'a reduced shift held (still short) and 1c below target',
      input({
        cells: cells(3, {
          [a]: { desiredCount: 4, targets: { healthy: 2, initial: 0, other: 2 } },
          [b]: { desiredCount: 6 },
        }),
        shift: evacuated(a, { keepPercent: 50 }),
      }),
      [{ az: c, desiredCount: 6 }],
      /still short of capacity.*re-issuing the held shift's scale-up of us-east-1c to 6/,
    ],
    [
      'an evacuation held and every cell at its target',
      input({
        cells: cells(3, { [a]: { status: 'impaired' }, [b]: { desiredCount: 6 }, [c]: { desiredCount: 6 } }),
        shift: evacuated(a),
      }),
      undefined,
      /still impaired; evacuation lease renewed$/,
    ],
    [
      'an evacuation held and the cells scaled above target (by autoscaling or an operator)',
      input({
        cells: cells(3, { [a]: { status: 'impaired' }, [b]: { desiredCount: 9 }, [c]: { desiredCount: 7 } }),
        shift: evacuated(a),
      }),
      undefined,
      /lease renewed$/,
    ],
    [
      'an evacuation held whose scale-up exceeds maxDesiredPerCell 5',
      input({
        cells: cells(3, { [a]: { status: 'impaired' } }),
        shift: evacuated(a),
        policy: policyWith({ zoneShift: { maxDesiredPerCell: 5 } }),
      }),
      [
        { az: b, desiredCount: 5 },
        { az: c, desiredCount: 5 },
      ],
      /to 5/,
    ],
    [
      'an evacuation held, 1b below target but impaired itself (regional: hold, no scaling)',
      input({
        cells: cells(3, { [a]: { status: 'impaired' }, [b]: { status: 'impaired' } }),
        shift: evacuated(a),
      }),
      undefined,
      /regional event, holding/,
    ],
  ])(
    'GIVEN %s WHEN deciding THEN no traffic action and it re-issues %j',
    (_name, given, expected, reason) => {
      const d = decide(given);
      expect(d.kind === 'none' || d.kind === 'alert-only').toBe(true);
      expect(d.reason).toMatch(reason);
      const converge = d.kind === 'none' ? d.converge : undefined;
      expect(converge?.map((u) => ({ az: u.az, desiredCount: u.desiredCount }))).toEqual(expected);
      // Holding is not a new action: the cooldown clock is left where it was.
      expect(d.next?.lastActionAtMs ?? given.shift.lastActionAtMs).toBe(given.shift.lastActionAtMs);
    },
  );
});

// ---- properties ----

const statusArb = fc.constantFrom<'healthy' | 'impaired' | 'unknown'>('healthy', 'impaired', 'unknown');
const cellArb = (n: number) =>
  fc.array(
    fc.record({
      status: statusArb,
      desired: fc.integer({ min: 0, max: 40 }),
      running: fc.integer({ min: 0, max: 40 }),
      goodForMs: fc.integer({ min: 0, max: 60 * MIN }),
      detectionMs: fc.integer({ min: MIN, max: 10 * MIN }),
      targets: fc.option(fc.record({ healthy: fc.nat(4), initial: fc.nat(2), other: fc.nat(4) }), {
        nil: undefined,
      }),
    }),
    { minLength: n, maxLength: n },
  );

const shiftArb = (n: number): fc.Arbitrary<ShiftState> =>
  fc.oneof(
    fc.record({
      phase: fc.constant('steady' as const),
      revision: fc.nat(50),
      lastActionAtMs: fc.option(fc.integer({ min: NOW - 60 * MIN, max: NOW }), { nil: undefined }),
    }),
    fc.record({
      phase: fc.constant('evacuated' as const),
      az: fc.constantFrom(...AZS.slice(0, n)),
      revision: fc.nat(50),
      lastActionAtMs: fc.integer({ min: NOW - 60 * MIN, max: NOW }),
      evacuatedAtMs: fc.integer({ min: NOW - 60 * MIN, max: NOW }),
      leaseExpiresAtMs: fc.integer({ min: NOW - 10 * MIN, max: NOW + 30 * MIN }),
      detectionMs: fc.integer({ min: MIN, max: 10 * MIN }),
      restoreDesired: fc.constant({}),
      keepPercent: fc.constantFrom(0, 25, 50),
      // Counts the shift scaled cells to, some above maxDesiredPerCell (50), to exercise convergence.
      scaledTo: fc
        .array(fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }), { minLength: n, maxLength: n })
        .map((counts) =>
          Object.fromEntries(
            AZS.slice(0, n).flatMap((az, i) => (counts[i] === undefined ? [] : [[az, counts[i]]])),
          ),
        ),
    }),
    fc.record({
      phase: fc.constant('restoring' as const),
      az: fc.constantFrom(...AZS.slice(0, n)),
      revision: fc.nat(50),
      step: fc.integer({ min: 0, max: 1 }),
      stepAtMs: fc.integer({ min: NOW - 60 * MIN, max: NOW }),
      lastActionAtMs: fc.integer({ min: NOW - 60 * MIN, max: NOW }),
      restoreDesired: fc.constant({}),
      scaledTo: fc.constant({}),
    }),
  );

const scenarioArb = fc.integer({ min: 1, max: 5 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    cells: cellArb(n),
    shift: shiftArb(n),
    correctDrift: fc.boolean(),
    drifted: fc.option(fc.array(fc.integer({ min: 0, max: 999 }), { minLength: n, maxLength: n }), {
      nil: undefined,
    }),
  }),
);

type CellRow = CellRows[number];
type CellRows = ReturnType<typeof cellArb> extends fc.Arbitrary<infer T> ? T : never;

/** The generated rows as the cells decide() sees. */
const cellsFrom = (n: number, rows: readonly CellRow[]): ZoneShifterCell[] =>
  AZS.slice(0, n).map((az, i) => ({
    az,
    targetGroupArn: tgArn(az),
    serviceName: `cell-${i}`,
    desiredCount: rows[i].desired,
    runningCount: rows[i].running,
    health: health(az, rows[i].status, { goodForMs: rows[i].goodForMs, detectionMs: rows[i].detectionMs }),
    targets: rows[i].targets,
  }));

function build(s: Scenario): ZoneShifterInput {
  const c = cellsFrom(s.n, s.cells);
  const p = policyWith({ zoneShift: { correctDrift: s.correctDrift } });
  const listenerWeights = s.drifted
    ? c.map((cell, i) => ({ targetGroupArn: cell.targetGroupArn, weight: s.drifted![i] }))
    : expectedWeights(c, s.shift, p);
  return { nowMs: NOW, cells: c, shift: s.shift, policy: p, listenerWeights };
}

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

const weightsOf = (d: ZoneShifterDecision) => ('weights' in d ? d.weights : []);

const writesWeights = (d: ZoneShifterDecision) =>
  d.kind === 'evacuate' || d.kind === 'restore' || d.kind === 'correct-drift';

describe('zone-shifter decide: properties', () => {
  test('never more than one AZ at weight 0, and weights always valid for the ALB', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const d = decide(build(s));
        if (!writesWeights(d)) return;
        const weights = weightsOf(d);
        expect(weights.filter((w) => w.weight === 0).length).toBeLessThanOrEqual(1);
        expect(weightProblems(weights)).toEqual([]);
        expect(weights.every((w) => w.weight >= 0 && w.weight <= MAX_WEIGHT)).toBe(true);
        expect(weights.length).toBeLessThanOrEqual(5);
      }),
      { numRuns: 2000 },
    );
  });

  test('never ramps traffic back into a cell that has no healthy target', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const given = build(s);
        const d = decide(given);
        if (d.kind !== 'restore') return;
        const target = given.cells.find((c) => c.az === d.az)!;
        expect(lostAllTargets(target)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  test('inside a cooldown, no action adds traffic to an AZ or touches a different AZ', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const given = build(s);
        const d = decide(given);
        const last = given.shift.lastActionAtMs;
        if (last === undefined || NOW - last >= given.policy.zoneShift.cooldownMs) return;
        if (!writesWeights(d)) return;
        // The one exemption: the shifted AZ taken fully out (a reduced shift escalated, or a ramp
        // that relapsed), never another AZ and never more traffic.
        const shift = given.shift;
        if (shift.phase === 'steady' || (shift.phase === 'evacuated' && !shift.keepPercent))
          throw new Error(`${d.kind} inside cooldown`);
        if (d.kind !== 'evacuate') throw new Error(`${d.kind} inside cooldown`);
        expect(isEscalation(shift, d.az, d.next.keepPercent)).toBe(true);
        expect(d.az).toBe(shift.az);
        expect(d.next.keepPercent).toBeUndefined();
        // No AZ gains weight over the held shift: the shifted AZ goes to 0, every other AZ keeps its weight.
        const before = expectedWeights(given.cells, shift, given.policy);
        for (const w of d.weights) {
          const was = before.find((b) => b.targetGroupArn === w.targetGroupArn)?.weight ?? 0;
          if (w.targetGroupArn === tgArn(shift.az)) expect(w.weight).toBe(0);
          else expect(w.weight).toBe(was);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('never evacuates when more than one AZ looks bad, nor below the healthy capacity', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const given = build(s);
        const d = decide(given);
        if (d.kind !== 'evacuate') return;
        // Bad = impaired by detection or with no healthy target: exactly the evacuated one; a reduced
        // shift (lost capacity) only when nothing is bad and exactly that cell lost capacity.
        const bad = given.cells.filter((c) => c.health?.status === 'impaired' || lostAllTargets(c));
        if (d.next.keepPercent) {
          expect(bad).toEqual([]);
          const short = given.cells.filter(
            (c) => degradedPercent(c, given.cells, given.policy) !== undefined,
          );
          expect(short.map((c) => c.az)).toEqual([d.az]);
          expect(d.weights.find((w) => w.weight !== given.policy.zoneShift.equalWeight)?.targetGroupArn).toBe(
            tgArn(d.az),
          );
        } else {
          expect(bad.map((c) => c.az)).toEqual([d.az]);
        }
        const total = given.cells.reduce((sum, c) => sum + c.desiredCount, 0);
        const others = given.cells.filter((c) => c.az !== d.az).reduce((sum, c) => sum + c.runningCount, 0);
        expect(others * 100).toBeGreaterThanOrEqual(total * given.policy.zoneShift.minHealthyCapacityPercent);
        expect(d.scaleUps.every((u) => u.desiredCount <= given.policy.zoneShift.maxDesiredPerCell)).toBe(
          true,
        );
      }),
      { numRuns: 2000 },
    );
  });

  test('a held shift only converges up to its own scale-ups, capped at maxDesiredPerCell, never the shifted AZ', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const given = build(s);
        const d = decide(given);
        if (d.kind !== 'none' || !d.converge) return;
        const shift = given.shift;
        if (shift.phase !== 'evacuated') throw new Error(`converge outside a held shift: ${shift.phase}`);
        expect(d.converge.length).toBeGreaterThan(0);
        expect(d.next?.lastActionAtMs ?? shift.lastActionAtMs).toBe(shift.lastActionAtMs);
        for (const u of d.converge) {
          const cell = given.cells.find((c) => c.az === u.az)!;
          expect(u.az).not.toBe(shift.az);
          expect(u.serviceName).toBe(cell.serviceName);
          expect(u.desiredCount).toBeGreaterThan(cell.desiredCount);
          expect(u.desiredCount).toBe(
            Math.min(shift.scaledTo[u.az], given.policy.zoneShift.maxDesiredPerCell),
          );
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('a sequence of runs never holds two AZs out, and each action is at least a cooldown apart', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 5 })
          .chain((n) =>
            fc.record({ n: fc.constant(n), steps: fc.array(cellArb(n), { minLength: 1, maxLength: 40 }) }),
          ),
        ({ n, steps }) => {
          let shift: ShiftState = INITIAL_SHIFT;
          let lastAction: number | undefined;
          steps.forEach((step, i) => {
            const nowMs = NOW + i * MIN;
            const c = cellsFrom(n, step);
            const d = decide({
              nowMs,
              cells: c,
              shift,
              policy,
              listenerWeights: expectedWeights(c, shift, policy),
            });
            if (writesWeights(d)) {
              // Only the shifted AZ taken fully out (escalation or relapse) may come sooner.
              const escalation = d.kind === 'evacuate' && isEscalation(shift, d.az, d.next.keepPercent);
              if (lastAction !== undefined && !escalation)
                expect(nowMs - lastAction).toBeGreaterThanOrEqual(policy.zoneShift.cooldownMs);
              lastAction = nowMs;
              const weights = weightsOf(d);
              expect(weights.filter((w) => w.weight === 0).length).toBeLessThanOrEqual(1);
            }
            if (d.next) shift = d.next;
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('zone-shifter decide: what counts as drift', () => {
  test.each([
    ['the stack’s initial weight 1 each', [1, 1, 1], 'none'],
    ['Bulkhead’s equal weight 100 each', [100, 100, 100], 'none'],
    ['unequal weights', [1, 2, 1], 'alert-only'],
    ['one AZ at 0 by hand', [0, 1, 1], 'alert-only'],
  ])('GIVEN steady state and a listener at %s WHEN deciding THEN %s', (_name, weights, kind) => {
    const c = cells(3);
    const d = decide({
      nowMs: NOW,
      cells: c,
      shift: INITIAL_SHIFT,
      policy,
      listenerWeights: c.map((x, i) => ({ targetGroupArn: x.targetGroupArn, weight: weights[i] })),
    });
    expect(d.kind).toBe(kind);
  });

  test('GIVEN a listener missing a cell’s target group WHEN deciding THEN it is drift', () => {
    const c = cells(3);
    const d = decide({
      nowMs: NOW,
      cells: c,
      shift: INITIAL_SHIFT,
      policy,
      listenerWeights: c.slice(0, 2).map((x) => ({ targetGroupArn: x.targetGroupArn, weight: 1 })),
    });
    expect(d).toMatchObject({ kind: 'alert-only', drift: { actual: expect.any(Array) } });
  });
});
