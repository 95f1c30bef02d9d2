import {
  type EvacuatedShift,
  parseShiftState,
  serializeShiftState,
} from '../../lambdas/zone-shifter/shift-state';

const base: EvacuatedShift = {
  phase: 'evacuated',
  az: 'us-east-1c',
  revision: 2,
  lastActionAtMs: 1000,
  evacuatedAtMs: 1000,
  leaseExpiresAtMs: 2000,
  detectionMs: 60_000,
  restoreDesired: { 'us-east-1a': 2 },
  scaledTo: { 'us-east-1a': 3 },
};

describe('shift state', () => {
  test.each<[string, EvacuatedShift]>([
    ['a full evacuation', base],
    ['a reduced shift (lost capacity)', { ...base, keepPercent: 50 }],
  ])('GIVEN %s WHEN serialized and parsed THEN it round-trips', (_name, state) => {
    expect(parseShiftState(serializeShiftState(state))).toEqual(state);
  });

  test.each<[string, unknown, string]>([
    [
      'a ramp step',
      {
        phase: 'restoring',
        az: 'us-east-1c',
        revision: 3,
        step: 1,
        stepAtMs: 5,
        restoreDesired: {},
        scaledTo: {},
      },
      'restoring',
    ],
    ['the steady state', { phase: 'steady', revision: 7, lastActionAtMs: 9 }, 'steady'],
  ])('GIVEN %s WHEN serialized and parsed THEN it round-trips', (_name, state, phase) => {
    const parsed = parseShiftState(new TextEncoder().encode(JSON.stringify(state)));
    expect(parsed).toEqual(state);
    expect(parsed && 'phase' in parsed && parsed.phase).toBe(phase);
  });

  test.each<[string, unknown]>([
    [
      'a ramp without its step',
      { phase: 'restoring', az: 'a', revision: 1, stepAtMs: 5, restoreDesired: {}, scaledTo: {} },
    ],
    [
      'an evacuation without its counts',
      { phase: 'evacuated', az: 'a', revision: 1, evacuatedAtMs: 1, leaseExpiresAtMs: 2, detectionMs: 3 },
    ],
    ['an evacuation with a numeric AZ', { ...base, az: 3 }],
  ])('GIVEN %s WHEN parsed THEN it is an error, not a state', (_name, stored) => {
    expect(parseShiftState(new TextEncoder().encode(JSON.stringify(stored)))).toEqual({
      error: expect.stringMatching(/unknown or incomplete phase/),
    });
  });

  test.each([0, 100, 150, -5])(
    'GIVEN a stored keepPercent of %s (not a reduced share) WHEN parsed THEN it reads as a full evacuation',
    (keepPercent) => {
      const parsed = parseShiftState(serializeShiftState({ ...base, keepPercent }));
      expect(parsed).toEqual(base);
      expect(parsed && 'keepPercent' in parsed).toBe(false);
    },
  );
});
