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

  test.each([0, 100, 150, -5])(
    'GIVEN a stored keepPercent of %s (not a reduced share) WHEN parsed THEN it reads as a full evacuation',
    (keepPercent) => {
      const parsed = parseShiftState(serializeShiftState({ ...base, keepPercent }));
      expect(parsed).toEqual(base);
      expect(parsed && 'keepPercent' in parsed).toBe(false);
    },
  );
});
