import { Match } from 'aws-cdk-lib/assertions';
import { cliCodecs } from '../../cli/backup/repo-options';
import { backupConfigSchema } from '../../lambdas/config/backup';
import {
  BACKUP_CONFIG_ENV,
  backupCodecSchema,
  backupRuntimeSchema,
} from '../../lambdas/config/backup-runtime';
import {
  type CfnProps,
  resourcesOf,
  type Synthesized,
  synthBulkhead,
  unacknowledgedNagFindings,
} from '../lib/synth';

const backupStatements = (t: Synthesized): CfnProps[] =>
  resourcesOf(t.template, 'AWS::IAM::Policy')
    .filter(([id]) => id.startsWith('Backupvolumebackup'))
    .flatMap(([, p]) => p.PolicyDocument.Statement as CfnProps[]);
const runtimeConfig = (t: Synthesized) => {
  const found = resourcesOf(t.template, 'AWS::Lambda::Function').find(
    ([, p]) => p.Environment?.Variables?.[BACKUP_CONFIG_ENV] !== undefined,
  );
  return JSON.stringify(found?.[1].Environment.Variables[BACKUP_CONFIG_ENV]);
};

describe('VolumeBackup construct (in the Bulkhead stack)', () => {
  let s: Synthesized;
  let locked: Synthesized;
  beforeAll(() => {
    s = synthBulkhead();
    locked = synthBulkhead({ backup: { objectLockDays: 30, intervalMinutes: 120, memorySize: 4096 } });
  });

  const backupBucket = (t: Synthesized): CfnProps => {
    const found = resourcesOf(t.template, 'AWS::S3::Bucket').find(([id]) => id.startsWith('BackupBucket'));
    if (!found) throw new Error('no backup bucket');
    return found[1];
  };
  const backupFunction = (t: Synthesized): CfnProps => {
    const found = resourcesOf(t.template, 'AWS::Lambda::Function').find(
      ([, p]) => p.Environment?.Variables?.[BACKUP_CONFIG_ENV] !== undefined,
    );
    if (!found) throw new Error('no backup function');
    return found[1];
  };

  test('GIVEN defaults THEN the bucket is versioned, SSE-KMS, public access blocked, TLS only, with both lifecycle rules and access logs', () => {
    const b = backupBucket(s);
    expect(b.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(b.BucketEncryption.ServerSideEncryptionConfiguration[0]).toMatchObject({
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: expect.anything() },
      BucketKeyEnabled: true,
    });
    expect(b.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(b.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' }),
        expect.objectContaining({
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 },
          Status: 'Enabled',
        }),
      ]),
    );
    expect(b.LoggingConfiguration).toMatchObject({ LogFilePrefix: 'backup-bucket/' });
    expect(b.ObjectLockEnabled).toBeUndefined();
    const policies = resourcesOf(s.template, 'AWS::S3::BucketPolicy').filter(([, p]) =>
      JSON.stringify(p.Bucket).includes('BackupBucket'),
    );
    expect(JSON.stringify(policies)).toContain('"aws:SecureTransport":"false"');
  });

  test('GIVEN objectLockDays 30 THEN Object Lock in compliance mode with 30 days default retention', () => {
    expect(backupBucket(locked)).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 30 } },
      },
    });
  });

  test('GIVEN defaults THEN the function runs in the VPC, mounts the access point at /mnt/data, 3008 MB, 15 min, valid runtime config', () => {
    const f = backupFunction(s);
    expect(f.MemorySize).toBe(3008);
    expect(f.Timeout).toBe(900);
    expect(f.Runtime).toBe('nodejs24.x');
    expect(f.VpcConfig.SubnetIds.length).toBeGreaterThan(0);
    expect(f.FileSystemConfigs).toEqual([{ Arn: expect.anything(), LocalMountPath: '/mnt/data' }]);
    expect(JSON.stringify(f.FileSystemConfigs[0].Arn)).toContain('DataFileSystemAccessPoint');
    expect(backupFunction(locked).MemorySize).toBe(4096);
  });

  test('GIVEN the runtime config THEN it parses, with a lease TTL shorter than the timeout and a checkpoint margin', () => {
    const raw = backupFunction(s).Environment.Variables[BACKUP_CONFIG_ENV];
    // toJsonString renders a Fn::Join around the bucket name token; put a stand-in name in its place.
    const parts = raw['Fn::Join'][1] as unknown[];
    const json = parts.map((p) => (typeof p === 'string' ? p : 'bucket-name')).join('');
    const cfg = backupRuntimeSchema.parse(JSON.parse(json));
    expect(cfg).toMatchObject({
      sourcePath: '/mnt/data',
      prefix: 'volume/',
      codec: 'zstd',
      restoreDrillFiles: 5,
    });
    expect(cfg.leaseTtlMs).toBe(600_000);
    expect(cfg.leaseTtlMs).toBeLessThan(900_000);
    expect(cfg.checkpointMarginMs).toBe(150_000);
  });

  test('GIVEN the role THEN EFS access is ClientMount only (read-only), and deletes reach only locks/ and checkpoints/', () => {
    const policies = resourcesOf(s.template, 'AWS::IAM::Policy').filter(([id]) =>
      id.startsWith('Backupvolumebackup'),
    );
    const statements = policies.flatMap(([, p]) => p.PolicyDocument.Statement as CfnProps[]);
    const actions = statements.flatMap((st) => [st.Action].flat());
    expect(actions).toContain('elasticfilesystem:ClientMount');
    expect(actions).not.toContain('elasticfilesystem:ClientWrite');
    expect(actions).not.toContain('elasticfilesystem:ClientRootAccess');
    const deletes = statements.filter((st) =>
      [st.Action].flat().some((a: string) => a.startsWith('s3:DeleteObject')),
    );
    const resources = JSON.stringify(deletes.map((d) => d.Resource));
    expect(resources).toContain('/volume/locks/*');
    expect(resources).toContain('/volume/checkpoints/*');
    expect(resources).not.toMatch(/volume\/data|volume\/snapshots|volume\/\*"/);
  });

  test('GIVEN defaults THEN an hourly schedule, a 15-minute continuation rule, and an alarm on 2 intervals without success', () => {
    s.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
    });
    s.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      Targets: [Match.objectLike({ Input: JSON.stringify({ bulkhead: 'backup-continue' }) })],
    });
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'BackupSuccess',
      Namespace: 'Bulkhead',
      Dimensions: [{ Name: 'service', Value: 'volume-backup' }],
      Statistic: 'Sum',
      Period: 3600,
      EvaluationPeriods: 2,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [Match.anyValue()],
    });
    locked.template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(2 hours)' });
    locked.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'BackupSuccess',
      Period: 7200,
    });
  });

  test('GIVEN AwsSolutions checks THEN nothing is left unacknowledged, with or without Object Lock', () => {
    expect(unacknowledgedNagFindings(s)).toEqual([]);
    expect(unacknowledgedNagFindings(locked)).toEqual([]);
  });

  test('GIVEN no kmsKeyArn THEN no repository key, grant or output, and the runtime config has no kmsKeyArn', () => {
    expect(
      resourcesOf(s.template, 'AWS::KMS::Key').filter(([id]) => id.startsWith('BackupRepositoryKey')),
    ).toEqual([]);
    expect(backupStatements(s).filter((st) => st.Sid === 'RepositoryDataKey')).toEqual([]);
    expect(runtimeConfig(s)).not.toContain('kmsKeyArn');
    expect(Object.keys(s.template.findOutputs('BackupRepositoryKeyArn'))).toEqual([]);
  });

  test('GIVEN an interval over 720 minutes THEN config validation names the value', () => {
    expect(() => synthBulkhead({ backup: { intervalMinutes: 1000 } })).toThrow(/intervalMinutes/);
  });

  test('GIVEN an unknown codec in cdk.json THEN validation names the codecs there are', () => {
    expect(() => synthBulkhead({ backup: { codec: 'lz4' as never } })).toThrow(
      /codec[\s\S]*expected one of "zstd"\|"brotli"\|"deflate"\|"none"/,
    );
  });
});

describe('VolumeBackup client-side encryption with a KMS key (kmsKeyArn)', () => {
  const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  let created: Synthesized;
  let imported: Synthesized;
  beforeAll(() => {
    created = synthBulkhead({ backup: { kmsKeyArn: 'create' } });
    imported = synthBulkhead({ backup: { kmsKeyArn: KEY } });
  });

  const CONDITIONS = {
    'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['bulkhead:repository'] },
    Null: { 'kms:EncryptionContext:bulkhead:repository': 'false' },
  };

  test('GIVEN an existing key ARN THEN the function may only GenerateDataKey and Decrypt on that key, for Bulkhead repository contexts, and its config names it', () => {
    const onKey = backupStatements(imported).filter((st) => JSON.stringify(st.Resource).includes(KEY));
    expect(onKey).toEqual([
      {
        Sid: 'RepositoryDataKey',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: KEY,
        Condition: CONDITIONS,
      },
    ]);
    // No other statement reaches KMS keys beyond the bucket's own SSE-KMS key.
    const otherKms = backupStatements(imported).filter(
      (st) => st.Sid !== 'RepositoryDataKey' && [st.Action].flat().some((a: string) => a.startsWith('kms:')),
    );
    for (const st of otherKms) expect(JSON.stringify(st.Resource)).toMatch(/BackupKey/);
    expect(runtimeConfig(imported)).toContain(`\\"kmsKeyArn\\":\\"${KEY}\\"`);
    imported.template.hasOutput('BackupRepositoryKeyArn', { Value: KEY });
  });

  test("GIVEN 'create' THEN a rotating key is made, granted the same two actions, and named in the config and an output", () => {
    const keys = resourcesOf(created.template, 'AWS::KMS::Key').filter(([id]) =>
      id.startsWith('BackupRepositoryKey'),
    );
    expect(keys).toHaveLength(1);
    const [keyId, key] = keys[0];
    expect(key.EnableKeyRotation).toBe(true);
    const onKey = backupStatements(created).filter((st) => JSON.stringify(st.Resource).includes(keyId));
    expect(onKey).toEqual([
      {
        Sid: 'RepositoryDataKey',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
        Condition: CONDITIONS,
      },
    ]);
    expect(runtimeConfig(created)).toContain(keyId);
  });

  test('GIVEN AwsSolutions checks THEN nothing is left unacknowledged with a created or an imported repository key', () => {
    expect(unacknowledgedNagFindings(created)).toEqual([]);
    expect(unacknowledgedNagFindings(imported)).toEqual([]);
  });

  test.each([
    ['alias/bulkhead-backup', false],
    ['arn:aws:kms:us-east-1:111122223333:alias/bulkhead-backup', false],
    ['1234abcd-12ab-34cd-56ef-1234567890ab', false],
    ['create', true],
    [KEY, true],
    ['arn:aws:kms:eu-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab', true],
  ])('GIVEN kmsKeyArn %j THEN the deploy-time schema accepts it: %s', (value, ok) => {
    expect(backupConfigSchema.safeParse({ kmsKeyArn: value }).success).toBe(ok);
  });
});

describe('backup codec setting', () => {
  const runtime = (codec: string) => ({
    bucket: 'b-1',
    prefix: '',
    sourcePath: '/mnt/data',
    sourceName: 'efs-data',
    leaseTtlMs: 600_000,
    checkpointMarginMs: 150_000,
    restoreDrillFiles: 0,
    codec,
  });

  test.each([...backupCodecSchema.options, 'lz4', 'ZSTD', ''])(
    'GIVEN codec %j THEN the deploy-time setting and the runtime config agree on it',
    (codec) => {
      const known = (backupCodecSchema.options as readonly string[]).includes(codec);
      expect(backupConfigSchema.safeParse({ codec }).success).toBe(known);
      expect(backupRuntimeSchema.safeParse(runtime(codec)).success).toBe(known);
    },
  );

  test('GIVEN the codec names THEN each is a codec the snapshot engine can write (zstd from node:zlib or the native binding)', () => {
    for (const name of backupCodecSchema.options) expect(cliCodecs(name).write.name).toBe(name);
  });
});
