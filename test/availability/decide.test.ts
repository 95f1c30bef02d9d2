import {
  type AlarmChange,
  classifyMinutes,
  decideAlarmEvent,
  decideIncidentEvents,
  decideSli,
  findGaps,
  type MinuteState,
  type SliMinute,
} from '../../lambdas/availability/decide';
import type { Incident } from '../../lambdas/core/availability';

const MIN = 60_000;
const mins = (...states: MinuteState[]): SliMinute[] =>
  states.map((state, i) => ({ startMs: i * MIN, state }));
const openIncident = (startedAtMs: number): Incident => ({
  id: 'x',
  scope: 'service',
  cause: 'sli:requests',
  startedAtMs,
  detectedAtMs: startedAtMs,
});

describe('classifyMinutes', () => {
  test('GIVEN samples WHEN classified THEN bad above the threshold, unknown below the minimum or when missing', () => {
    const minutes = classifyMinutes(
      [
        { startMs: 0, valid: 100, bad: 6 },
        { startMs: MIN, valid: 100, bad: 5 },
        { startMs: 2 * MIN, valid: 9, bad: 9 },
        { startMs: 4 * MIN + 30_000, valid: 20, bad: 20 },
      ],
      0,
      5 * MIN,
      { badRatioThreshold: 0.05, minValid: 10 },
    );
    expect(minutes.map((m) => m.state)).toEqual(['bad', 'good', 'unknown', 'unknown', 'bad']);
  });
});

describe('decideSli', () => {
  const policy = { openAfter: 2, closeAfter: 3 };
  test.each([
    {
      name: 'two bad minutes with nothing open',
      m: mins('good', 'bad', 'bad'),
      open: undefined,
      want: { kind: 'open', atMs: MIN },
    },
    {
      name: 'bad minutes separated by an unknown one',
      m: mins('bad', 'unknown', 'bad'),
      open: undefined,
      want: { kind: 'open', atMs: 0 },
    },
    { name: 'one bad minute only', m: mins('good', 'good', 'bad'), open: undefined, want: undefined },
    {
      name: 'a long bad run',
      m: mins('bad', 'bad', 'bad', 'bad'),
      open: undefined,
      want: { kind: 'open', atMs: 0 },
    },
    {
      name: 'three good minutes while open',
      m: mins('bad', 'good', 'good', 'good'),
      open: openIncident(0),
      want: { kind: 'close', atMs: MIN },
    },
    {
      name: 'two good and one unknown while open',
      m: mins('bad', 'good', 'good', 'unknown'),
      open: openIncident(0),
      want: undefined,
    },
    {
      name: 'no evidence at all while open (zero traffic)',
      m: mins('unknown', 'unknown', 'unknown', 'unknown'),
      open: openIncident(0),
      want: undefined,
    },
    {
      name: 'bad minutes while already open',
      m: mins('bad', 'bad', 'bad'),
      open: openIncident(0),
      want: undefined,
    },
    {
      name: 'a recovery that predates the open (clamped to its start)',
      m: mins('good', 'good', 'good'),
      open: openIncident(MIN),
      want: { kind: 'close', atMs: MIN },
    },
  ])('GIVEN $name THEN $want', ({ m, open, want }) => {
    expect(decideSli(m, open, policy)).toEqual(want);
  });

  test('GIVEN a bad run reaching back before the last close THEN the new incident starts at that close', () => {
    expect(decideSli(mins('bad', 'bad', 'bad'), undefined, policy, 90_000)).toEqual({
      kind: 'open',
      atMs: 90_000,
    });
  });
});

describe('findGaps', () => {
  test('GIVEN two signals WHEN both are blind for two minutes THEN that is a gap; an ongoing gap waits until it ends', () => {
    const requests = mins('unknown', 'unknown', 'good', 'unknown', 'unknown');
    const probes = mins('unknown', 'unknown', 'unknown', 'unknown', 'unknown');
    expect(findGaps([requests, probes])).toEqual([{ startMs: 0, endMs: 2 * MIN }]);
    expect(findGaps([mins('unknown', 'good'), mins('good', 'unknown')])).toEqual([]);
    expect(findGaps([])).toEqual([]);
  });

  test('GIVEN a long gap WHEN it spans blocks THEN full blocks are recorded as they complete, the ongoing tail waits', () => {
    // 10-minute blocks; blind from minute 3 to the end (minute 25, still blind).
    const states: MinuteState[] = Array.from({ length: 25 }, (_, i) => (i < 3 ? 'good' : 'unknown'));
    expect(findGaps([mins(...states)], 10 * MIN)).toEqual([
      { startMs: 3 * MIN, endMs: 10 * MIN },
      { startMs: 10 * MIN, endMs: 20 * MIN },
    ]);
  });

  test('GIVEN a gap that ended WHEN it spans blocks THEN every piece is recorded, and the pieces are the same on the next run', () => {
    const states: MinuteState[] = Array.from({ length: 25 }, (_, i) =>
      i >= 3 && i < 22 ? 'unknown' : 'good',
    );
    const pieces = [
      { startMs: 3 * MIN, endMs: 10 * MIN },
      { startMs: 10 * MIN, endMs: 20 * MIN },
      { startMs: 20 * MIN, endMs: 22 * MIN },
    ];
    expect(findGaps([mins(...states)], 10 * MIN)).toEqual(pieces);
    // A later run starts at the block boundary 10: the blind minutes before it are out of view, yet the
    // pieces it emits are identical to those already recorded (same keys, so no new records).
    const later = mins(...states).filter((m) => m.startMs >= 10 * MIN);
    expect(findGaps([later], 10 * MIN)).toEqual(pieces.slice(1));
  });
});

describe('decideIncidentEvents', () => {
  test('GIVEN a scope with bad requests and a blind AZ THEN one open and one gap record are decided', () => {
    const policy = { badRatioThreshold: 0.05, minValid: 10, openAfter: 2, closeAfter: 3 };
    const result = decideIncidentEvents({
      nowMs: 10 * MIN,
      fromMs: 0,
      toMs: 5 * MIN,
      source: 'test',
      incidents: [],
      scopes: [
        {
          scope: 'service',
          slis: {
            'sli:requests': [0, 1, 2, 3, 4].map((k) => ({
              startMs: k * MIN,
              valid: 100,
              bad: k >= 3 ? 50 : 0,
            })),
          },
          policies: { 'sli:requests': policy },
        },
        {
          scope: 'az:us-east-1b',
          slis: { 'sli:requests': [{ startMs: 3 * MIN, valid: 100, bad: 0 }], 'sli:probes': [] },
          policies: { 'sli:requests': policy, 'sli:probes': policy },
        },
      ],
    });
    expect(result.events).toEqual([
      expect.objectContaining({
        kind: 'open',
        scope: 'service',
        cause: 'sli:requests',
        atMs: 3 * MIN,
        observedAtMs: 10 * MIN,
      }),
      expect.objectContaining({
        kind: 'gap',
        scope: 'az:us-east-1b',
        cause: 'no-signal:sli:probes+sli:requests',
        atMs: 0,
        endMs: 3 * MIN,
      }),
    ]);
  });
});

describe('decideAlarmEvent', () => {
  const scopes = { 'zone-a-impaired': 'az:us-east-1a' as const };
  const change = (state: AlarmChange['state'], extra: Partial<AlarmChange> = {}): AlarmChange => ({
    alarmName: 'zone-a-impaired',
    state,
    changedAtMs: 10 * MIN,
    ...extra,
  });
  test.each([
    {
      name: 'ALARM with evaluated datapoints from 7 min',
      c: change('ALARM', { evaluatedFromMs: 7 * MIN }),
      want: {
        kind: 'open',
        scope: 'az:us-east-1a',
        cause: 'alarm:zone-a-impaired',
        atMs: 7 * MIN,
        observedAtMs: 10 * MIN,
      },
    },
    { name: 'ALARM without datapoints', c: change('ALARM'), want: { kind: 'open', atMs: 10 * MIN } },
    { name: 'OK', c: change('OK', { evaluatedFromMs: 2 * MIN }), want: { kind: 'close', atMs: 10 * MIN } },
  ])('GIVEN $name THEN the event is $want', ({ c, want }) => {
    expect(decideAlarmEvent(c, scopes, 'test')).toMatchObject(want);
  });
  test('GIVEN INSUFFICIENT_DATA or an unknown alarm THEN nothing is recorded', () => {
    expect(decideAlarmEvent(change('INSUFFICIENT_DATA'), scopes, 'test')).toBeUndefined();
    expect(decideAlarmEvent(change('ALARM', { alarmName: 'other' }), scopes, 'test')).toBeUndefined();
  });
});
