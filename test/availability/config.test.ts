import { AVAILABILITY_DEFAULTS, availabilityConfigSchema } from '../../lambdas/config/availability';
import {
  AVAILABILITY_BUCKET_ENV,
  AVAILABILITY_CONFIG_ENV,
  availabilityRuntimeSchema,
  availabilitySettingFields,
  pickAvailabilitySettings,
  readAvailabilityEnv,
} from '../../lambdas/config/availability-runtime';
import { parseStackConfig } from '../../lambdas/config/stack';

const runtime = {
  serviceName: 'web',
  loadBalancer: 'app/web/abc',
  cells: [{ az: 'us-east-1a', targetGroup: 'targetgroup/a/1' }],
  slo: 0.999,
  sloWindow: '30d',
  ...pickAvailabilitySettings(AVAILABILITY_DEFAULTS),
};
const env = (config: unknown) => ({
  [AVAILABILITY_CONFIG_ENV]: JSON.stringify(config),
  [AVAILABILITY_BUCKET_ENV]: 'state-bucket',
});

describe('availability settings shared by cdk.json and the runtime config', () => {
  const fields = Object.keys(availabilitySettingFields) as (keyof typeof availabilitySettingFields)[];
  const values = [-1, 0, 0.05, 0.5, 1, 1.5, 2, 10, 11, 20, 21, 30, 31, 99, 100, 10_000, 10_001, '3', null];

  test.each(fields.flatMap((field) => values.map((value) => ({ field, value }))))(
    'GIVEN $field = $value THEN the deploy-time setting and the runtime config agree on it',
    ({ field, value }) => {
      const deployTime = availabilityConfigSchema.safeParse({ [field]: value }).success;
      expect(availabilityRuntimeSchema.safeParse({ ...runtime, [field]: value }).success).toBe(deployTime);
    },
  );

  test('GIVEN the defaults THEN each is a valid setting and the runtime config takes every shared one', () => {
    expect(availabilityConfigSchema.parse(AVAILABILITY_DEFAULTS)).toEqual(AVAILABILITY_DEFAULTS);
    expect(Object.keys(pickAvailabilitySettings(AVAILABILITY_DEFAULTS)).sort()).toEqual([...fields].sort());
    expect(availabilityRuntimeSchema.safeParse(runtime).success).toBe(true);
  });

  test('GIVEN a resolved config with more fields THEN only the shared settings are picked', () => {
    const picked = pickAvailabilitySettings({ ...AVAILABILITY_DEFAULTS, probesPerRun: 7 });
    expect(picked.probesPerRun).toBe(7);
    expect(picked.closeAfterMinutes).toBe(AVAILABILITY_DEFAULTS.closeAfterMinutes);
    expect(picked).not.toHaveProperty('sloPercent');
    expect(picked).not.toHaveProperty('probePath');
  });
});

describe('readAvailabilityEnv', () => {
  test('GIVEN a valid config THEN the defaults are applied', () => {
    const { config, stateBucket } = readAvailabilityEnv(env(runtime));
    expect(stateBucket).toBe('state-bucket');
    expect(config).toMatchObject({ lookbackMinutes: 15, metricLagMinutes: 2, incidentAlarms: {} });
  });

  test.each([
    {
      name: 'no config',
      e: { [AVAILABILITY_BUCKET_ENV]: 'b' },
      message: /^BULKHEAD_AVAILABILITY_CONFIG is not set$/,
    },
    {
      name: 'no state bucket',
      e: { [AVAILABILITY_CONFIG_ENV]: '{}' },
      message: /^BULKHEAD_STATE_BUCKET is not set$/,
    },
    {
      name: 'bad JSON',
      e: { ...env(runtime), [AVAILABILITY_CONFIG_ENV]: '{"serviceName":' },
      message: /^BULKHEAD_AVAILABILITY_CONFIG is not JSON \(.+\): \{"serviceName":$/,
    },
    {
      name: 'a probe count under 1',
      e: env({ ...runtime, probesPerRun: 0 }),
      message:
        /^BULKHEAD_AVAILABILITY_CONFIG is invalid: probesPerRun: Too small: expected number to be >=1 \(got 0\)$/,
    },
    {
      name: 'a bad incident alarm scope',
      e: env({ ...runtime, incidentAlarms: { 'web-a-alb': 'zone-a' } }),
      message: /incidentAlarms\.web-a-alb: scope must be "service" or "az:<zone name>" \(got "zone-a"\)/,
    },
    {
      name: 'an upper-case AZ and a wrong type',
      e: env({ ...runtime, cells: [{ az: 'US-EAST-1A', targetGroup: 'targetgroup/a/1' }], slo: '99.9' }),
      message:
        /cells\.0\.az: Invalid string: must match pattern .* \(got "US-EAST-1A"\); slo: Invalid input: expected number, received string \(got "99\.9"\)/,
    },
    {
      name: 'a missing field',
      e: env({ ...runtime, loadBalancer: undefined }),
      message: /loadBalancer: Invalid input: expected string, received undefined \(got nothing\)/,
    },
  ])('GIVEN $name THEN the error names the variable, the field and the value', ({ e, message }) => {
    expect(() => readAvailabilityEnv(e)).toThrow(message);
  });

  test('GIVEN many bad fields THEN five are named and the rest counted', () => {
    const bad = Object.fromEntries(Object.keys(availabilitySettingFields).map((k) => [k, -1]));
    expect(() => readAvailabilityEnv(env({ ...runtime, ...bad }))).toThrow(/; and 2 more$/);
  });

  test('GIVEN a long bad value THEN it is shown cut to 80 characters', () => {
    const long = `http://${'x'.repeat(200)}`;
    expect(() => readAvailabilityEnv(env({ ...runtime, loadBalancer: long }))).toThrow(
      new RegExp(`\\(got "${long.slice(0, 76)}\\.\\.\\.\\)`),
    );
  });
});

describe('availability settings in cdk.json', () => {
  test.each([
    {
      availability: { probesPerRun: 50 },
      message: 'availability.probesPerRun: Too big: expected number to be <=20 (received 50)',
    },
    {
      availability: { errorRatioThreshold: 1 },
      message: 'availability.errorRatioThreshold: Too big: expected number to be <1 (received 1)',
    },
    {
      availability: { closeAfterMinutes: 2.5 },
      message: 'availability.closeAfterMinutes: Invalid input: expected int, received number (received 2.5)',
    },
    {
      availability: { scheduleMinutes: 2 },
      message: 'availability.scheduleMinutes: Invalid option: expected one of 1|5 (received 2)',
    },
    {
      availability: { probeTimeout: 5 },
      message: 'availability.probeTimeout: is not a known field (received 5)',
    },
  ])(
    'GIVEN $availability THEN validation names the field, the rule and the value',
    ({ availability, message }) => {
      expect(() => parseStackConfig({ availability })).toThrow(message);
    },
  );
});
