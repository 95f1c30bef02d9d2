import {
  FAILOVER_CONFIG_ENV,
  failoverConfigSchema,
  readFailoverEnv,
  resolveFailoverPolicy,
  STATE_BUCKET_ENV,
} from '../../lambdas/config/failover';
import { DEFAULT_FAILOVER_POLICY } from '../../lambdas/core/failover-policy';
import { runtimeConfig } from './fakes';

describe('failover config', () => {
  test('GIVEN no overrides WHEN resolved THEN the documented defaults', () => {
    expect(resolveFailoverPolicy(failoverConfigSchema.parse({}))).toEqual(DEFAULT_FAILOVER_POLICY);
  });

  test('GIVEN partial overrides WHEN resolved THEN they merge over the defaults', () => {
    const p = resolveFailoverPolicy(
      failoverConfigSchema.parse({ dryRun: true, zoneShift: { cooldownMs: 60_000 } }),
    );
    expect(p.dryRun).toBe(true);
    expect(p.zoneShift).toEqual({ ...DEFAULT_FAILOVER_POLICY.zoneShift, cooldownMs: 60_000 });
  });

  test.each([
    [
      { detection: { datapointsToAlarm: 4 } },
      /datapointsToAlarm \(4\) must not exceed evaluationPeriods \(3\)/,
    ],
    [{ zoneShift: { restoreStepsPercent: [10, 50] } }, /last restore step must be 100/],
    [{ zoneShift: { restoreStepsPercent: [50, 10, 100] } }, /must increase/],
    [{ zoneShift: { equalWeight: 1000 } }, /equalWeight/],
    [{ guard: { minHealthyPercent: 'mine' } }, /minHealthyPercent/],
    [{ unknown: 1 }, /unknown/i],
    [{ probesPerTarget: 0 }, /probesPerTarget/],
    [{ probesPerTarget: 51 }, /probesPerTarget/],
    [{ detection: { probeWindowPeriods: 7 } }, /probeWindowPeriods/],
    [{ detection: { probePeriodSeconds: 5 } }, /probePeriodSeconds/],
    [{ detection: { probeLatencyThresholdMs: 0 } }, /probeLatencyThresholdMs/],
  ])('GIVEN %j WHEN validated THEN rejected with a message naming the field', (input, message) => {
    const result = failoverConfigSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toMatch(message);
  });

  test('GIVEN the runtime env WHEN read THEN the config round-trips; a bad one names the field and value', () => {
    const config = runtimeConfig(3);
    const env = { [FAILOVER_CONFIG_ENV]: JSON.stringify(config), [STATE_BUCKET_ENV]: 'b' };
    expect(readFailoverEnv(env)).toEqual({ config, stateBucket: 'b' });
    expect(() => readFailoverEnv({ [STATE_BUCKET_ENV]: 'b' })).toThrow(`${FAILOVER_CONFIG_ENV} is not set`);
    expect(() => readFailoverEnv({ ...env, [FAILOVER_CONFIG_ENV]: '{' })).toThrow(/is not JSON/);
    const bad = { ...config, cells: [{ ...config.cells[0], targetGroupArn: 'tg-1' }] };
    expect(() => readFailoverEnv({ ...env, [FAILOVER_CONFIG_ENV]: JSON.stringify(bad) })).toThrow(
      /invalid at cells\.0\.targetGroupArn \(got "tg-1"\)/,
    );
  });
});
