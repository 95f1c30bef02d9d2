import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DEFAULT_IMAGE,
  loadStackConfig,
  parseStackConfig,
  StackConfigError,
  stackConfigSchema,
} from '../../lambdas/config/stack';

/** The message of the error parseStackConfig throws for `raw`. */
function errorFor(raw: unknown): string {
  try {
    parseStackConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(StackConfigError);
    return (e as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}

describe('defaults', () => {
  test('GIVEN an empty config WHEN parsed THEN the defaults deploy a working 3-AZ service', () => {
    const config = parseStackConfig({});
    expect(config).toEqual({
      azCount: 3,
      logRetentionDays: 30,
      service: {
        image: { type: 'registry', name: DEFAULT_IMAGE },
        port: 8080,
        cpu: 256,
        memoryMiB: 512,
        healthCheckPath: '/',
        healthCheckGracePeriodSeconds: 60,
        readonlyRootFilesystem: true,
        desiredCount: 2,
        minCapacity: 2,
        maxCapacity: 6,
        targetCpuPercent: 60,
        requestsPerTarget: 1000,
      },
      targetGroup: {
        healthCheckIntervalSeconds: 5,
        healthCheckTimeoutSeconds: 4,
        healthyThreshold: 2,
        unhealthyThreshold: 2,
        deregistrationDelaySeconds: 30,
      },
      volume: { mountPath: '/mnt/data' },
      failover: expect.any(Object),
      backup: expect.any(Object),
      availability: expect.any(Object),
    });
  });

  test('GIVEN undefined (no context key at all) WHEN parsed THEN it is the same as an empty config', () => {
    expect(parseStackConfig(undefined)).toEqual(parseStackConfig({}));
  });

  test('GIVEN the asset image type WHEN parsed THEN the directory defaults to service/', () => {
    expect(parseStackConfig({ service: { image: { type: 'asset' } } }).service.image).toEqual({
      type: 'asset',
      directory: 'service',
    });
  });
});

describe('errors name the field and the value received', () => {
  test.each([
    [
      'an AZ count of 6',
      { azCount: 6 },
      '  - azCount: must be an integer from 2 to 5 (one cell per AZ; a forward action takes at most 5) (received 6)',
    ],
    [
      'an AZ count of 1',
      { azCount: 1 },
      '  - azCount: must be an integer from 2 to 5 (one cell per AZ; a forward action takes at most 5) (received 1)',
    ],
    [
      'a port out of range',
      { service: { port: 70000, image: { type: 'registry', name: 'example/web:1.0' } } },
      '  - service.port: must be an integer from 1 to 65535 (received 70000)',
    ],
    [
      'a port given as a string',
      { service: { port: '8080' } },
      '  - service.port: must be an integer from 1 to 65535 (received "8080")',
    ],
    [
      'a desired count of 0',
      { service: { desiredCount: 0 } },
      '  - service.desiredCount: must be an integer from 1 to 100 (a cell with 0 tasks is no cell) (received 0)',
    ],
    [
      'an unknown image type',
      { service: { image: { type: 'docker-hub', name: 'nginx' } } },
      "  - service.image.type: must be 'registry' or 'asset' (received \"docker-hub\")",
    ],
    ['a misspelt field', { azcount: 3 }, '  - azcount: is not a known field (received 3)'],
    [
      'memory that does not fit the CPU size',
      { service: { cpu: 256, memoryMiB: 4096 } },
      '  - service.memoryMiB: must be one of 512, 1024, 2048 with cpu 256 (received 4096)',
    ],
    [
      'a health-check timeout not below the interval',
      { targetGroup: { healthCheckTimeoutSeconds: 5 } },
      '  - targetGroup.healthCheckTimeoutSeconds: must be less than targetGroup.healthCheckIntervalSeconds (5) (received 5)',
    ],
    [
      'another port with the default image',
      { service: { port: 80 } },
      '  - service.port: must be 8080 with the default image (it listens there); use your own image for another port (received 80)',
    ],
    [
      'more NAT gateways than AZs',
      { azCount: 2, natGateways: 3 },
      '  - natGateways: must not exceed azCount (2) (received 3)',
    ],
    [
      'a certificate that is not an ACM ARN',
      { certificateArn: 'my-cert' },
      '  - certificateArn: must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>) (received "my-cert")',
    ],
    ['a bad alarm email', { alarmEmail: 'ops' }, '  - alarmEmail: must be an email address (received "ops")'],
  ])('GIVEN %s WHEN parsed THEN the error reads exactly', (_name, raw, line) => {
    expect(errorFor(raw)).toBe(`Invalid Bulkhead configuration (cdk.json context "bulkhead"):\n${line}`);
  });

  test('GIVEN several bad fields WHEN parsed THEN every one is reported', () => {
    const message = errorFor({ azCount: 9, service: { desiredCount: 0, port: -1 } });
    expect(message.split('\n').slice(1)).toHaveLength(3);
  });

  test('GIVEN a desired count outside the autoscaling bounds WHEN parsed THEN it is rejected', () => {
    expect(errorFor({ service: { desiredCount: 8 } })).toContain(
      'service.desiredCount: must lie within service.minCapacity..service.maxCapacity (2..6) (received 8)',
    );
  });
});

describe('sources', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-config-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('GIVEN context as a JSON string (cdk -c) WHEN loaded THEN it is parsed', () => {
    expect(loadStackConfig({ context: '{"azCount": 2}' }).azCount).toBe(2);
  });

  test('GIVEN a config file WHEN loaded THEN its fields override the context, deeply', () => {
    const file = path.join(dir, 'bulkhead.json');
    fs.writeFileSync(file, JSON.stringify({ service: { desiredCount: 3 } }));
    const config = loadStackConfig({ context: { azCount: 4, service: { maxCapacity: 9 } }, file });
    expect(config.azCount).toBe(4);
    expect(config.service.maxCapacity).toBe(9);
    expect(config.service.desiredCount).toBe(3);
  });

  test('GIVEN a bad value in the file WHEN loaded THEN the error names the file', () => {
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ azCount: 7 }));
    expect(() => loadStackConfig({ file })).toThrow(`(cdk.json context "bulkhead" + file ${file})`);
  });

  test('GIVEN a file that is not JSON WHEN loaded THEN the error says so', () => {
    const file = path.join(dir, 'broken.json');
    fs.writeFileSync(file, '{ azCount: ');
    expect(() => loadStackConfig({ file })).toThrow(/cannot be read as JSON/);
  });

  test('GIVEN the schema WHEN composed THEN the failover, backup and availability sub-configs live under their keys', () => {
    expect(Object.keys(stackConfigSchema.shape)).toEqual(
      expect.arrayContaining(['failover', 'backup', 'availability']),
    );
  });
});
