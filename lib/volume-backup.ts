import { CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { BackupConfig } from '../lambdas/config/backup';
import {
  BACKUP_CONFIG_ENV,
  BACKUP_METRICS,
  BACKUP_MOUNT_PATH,
  type BackupRuntimeConfig,
} from '../lambdas/config/backup-runtime';
import { KMS_CONTEXT_KEY } from '../lambdas/core/snapshot/crypto';
import { BulkheadFunction } from './function';
import type { ZonalServiceExports } from './stack-exports';

/** Props for {@link VolumeBackup}. */
export interface VolumeBackupProps {
  /** The VPC, and the EFS file system and access point to back up. */
  readonly zonal: Pick<ZonalServiceExports, 'vpc' | 'fileSystem' | 'accessPoint'>;
  /**
   * Deploy-time settings (cdk.json context `bulkhead.backup`); see `lambdas/config/backup.ts`.
   * @default every documented default
   */
  readonly config?: BackupConfig;
  /**
   * Topic the no-successful-backup alarm notifies.
   * @default no notification
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Bucket receiving the backup bucket's server access logs.
   * @default no access logs (cdk-nag S1 then fires)
   */
  readonly accessLogsBucket?: s3.IBucket;
  /**
   * What happens to the backup bucket and its key when the stack is deleted.
   * @default RemovalPolicy.RETAIN (backups outlive the stack)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Resolved defaults, documented in the README's sizing notes. */
export const BACKUP_DEFAULTS = {
  intervalMinutes: 60,
  continuationMinutes: 15,
  /** 3,008 MB gives ~1.7 vCPU: chunking and hashing use one core, zstd the rest of the thread pool. */
  memorySize: 3008,
  timeoutMinutes: 15,
  restoreDrillFiles: 5,
  objectLockDays: 0,
  noncurrentVersionDays: 30,
  prefix: 'volume/',
  codec: 'zstd',
} as const;

/**
 * Scheduled backups of the service's EFS volume into a content-addressed repository in S3: the
 * backup bucket (versioned, SSE-KMS, public access blocked, TLS only, lifecycle for noncurrent
 * versions and incomplete multipart uploads, optional Object Lock), the backup function in the VPC
 * with the access point mounted read-only, an hourly schedule plus a continuation rule that resumes
 * checkpointed runs, and an alarm when no backup succeeded within two intervals.
 *
 * The function may read and write the repository but delete only its lease and checkpoints: it can
 * never remove packs or snapshots (forget and prune run from the CLI with an operator's rights).
 */
export class VolumeBackup extends Construct {
  /** The backup repository's bucket. */
  readonly bucket: s3.Bucket;
  /** The bucket's KMS key. */
  readonly key: kms.Key;
  /**
   * The KMS key of the repository's client-side encryption (`kmsKeyArn`), whose data key encrypts
   * blobs, packs and metadata before upload.
   * @default undefined when client-side encryption is off
   */
  readonly repositoryKey?: kms.IKey;
  /** The backup function. */
  readonly function: BulkheadFunction;
  /** Fires when no backup succeeded within two intervals. */
  readonly noBackupAlarm: cloudwatch.Alarm;
  /** The repository URL for the CLI: `s3://<bucket>/<prefix>`. */
  readonly repositoryUrl: string;

  constructor(scope: Construct, id: string, props: VolumeBackupProps) {
    super(scope, id);
    const c = { ...BACKUP_DEFAULTS, ...stripUndefined(props.config ?? {}) };
    if (2 * c.intervalMinutes > 24 * 60) {
      throw new Error(
        `backup intervalMinutes must be at most 720 (the alarm watches 2 intervals), got ${c.intervalMinutes}`,
      );
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.key = new kms.Key(this, 'Key', {
      description: 'Bulkhead backup repository (SSE-KMS)',
      enableKeyRotation: true,
      removalPolicy,
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: props.accessLogsBucket ? 'backup-bucket/' : undefined,
      objectLockEnabled: c.objectLockDays > 0 ? true : undefined,
      objectLockDefaultRetention:
        c.objectLockDays > 0 ? s3.ObjectLockRetention.compliance(Duration.days(c.objectLockDays)) : undefined,
      lifecycleRules: [
        {
          id: 'noncurrent-versions',
          noncurrentVersionExpiration: Duration.days(c.noncurrentVersionDays),
          expiredObjectDeleteMarker: true,
        },
        { id: 'incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(2) },
      ],
      removalPolicy,
    });

    if (props.config?.kmsKeyArn === 'create') {
      this.repositoryKey = new kms.Key(this, 'RepositoryKey', {
        description: 'Bulkhead backup repository (client-side envelope encryption: wraps the data key)',
        enableKeyRotation: true,
        removalPolicy,
      });
    } else if (props.config?.kmsKeyArn) {
      this.repositoryKey = kms.Key.fromKeyArn(this, 'RepositoryKey', props.config.kmsKeyArn);
    }

    const timeout = Duration.minutes(c.timeoutMinutes);
    const runtime: BackupRuntimeConfig = {
      bucket: this.bucket.bucketName,
      prefix: c.prefix,
      sourcePath: BACKUP_MOUNT_PATH,
      sourceName: 'efs-data',
      // Shorter than the timeout, so a killed run's lease has expired before a later run needs it.
      leaseTtlMs: Math.round(timeout.toMilliseconds() * (2 / 3)),
      // Stop reading with a sixth of the time left (150 s of 15 min): enough to upload the last
      // packs and write the index and checkpoint.
      checkpointMarginMs: Math.max(60_000, Math.round(timeout.toMilliseconds() / 6)),
      restoreDrillFiles: c.restoreDrillFiles,
      codec: c.codec,
      kmsKeyArn: this.repositoryKey?.keyArn,
    };

    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.zonal.vpc,
      description: 'Bulkhead volume backup: NFS to the EFS mount targets, HTTPS to S3/KMS/CloudWatch',
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'AWS APIs (S3, KMS, CloudWatch Logs) over HTTPS',
    );
    const { fileSystem, accessPoint } = props.zonal;
    // Read-only: the role gets ClientMount on this access point only, never ClientWrite or ClientRootAccess.
    const mount = new ReadOnlyMount({
      arn: accessPoint.accessPointArn,
      localMountPath: BACKUP_MOUNT_PATH,
      connections: fileSystem.connections,
      dependency: [fileSystem.mountTargetsAvailable],
      policies: [
        new iam.PolicyStatement({
          actions: ['elasticfilesystem:ClientMount'],
          resources: [fileSystem.fileSystemArn],
          conditions: { StringEquals: { 'elasticfilesystem:AccessPointArn': accessPoint.accessPointArn } },
        }),
      ],
    });

    this.function = new BulkheadFunction(this, 'volume-backup', {
      functionDir: 'volume-backup',
      description: 'Bulkhead: incremental, deduplicated snapshot of the EFS volume into S3',
      memorySize: c.memorySize,
      timeout,
      vpc: props.zonal.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [securityGroup],
      filesystem: mount,
      // A failed or timed-out run is not retried at once (it would contend for the lease); the
      // continuation rule resumes from its checkpoint, and the alarm covers repeated failure.
      retryAttempts: 0,
      environment: {
        [BACKUP_CONFIG_ENV]: Stack.of(this).toJsonString(runtime),
        POWERTOOLS_SERVICE_NAME: 'volume-backup',
      },
    });
    const repoPrefix = c.prefix;
    this.bucket.grantRead(this.function, `${repoPrefix}*`);
    this.bucket.grantPut(this.function, `${repoPrefix}*`);
    this.bucket.grantDelete(this.function, `${repoPrefix}locks/*`);
    this.bucket.grantDelete(this.function, `${repoPrefix}checkpoints/*`);
    this.repositoryUrl = `s3://${this.bucket.bucketName}/${repoPrefix}`;
    if (this.repositoryKey) {
      // Least privilege: the two calls envelope encryption makes, on this key only, and only for
      // data keys bound to a Bulkhead repository (the encryption context the engine always sends).
      this.function.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'RepositoryDataKey',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [this.repositoryKey.keyArn],
          conditions: {
            'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [KMS_CONTEXT_KEY] },
            Null: { [`kms:EncryptionContext:${KMS_CONTEXT_KEY}`]: 'false' },
          },
        }),
      );
      new CfnOutput(this, 'RepositoryKeyArn', {
        value: this.repositoryKey.keyArn,
        description:
          'KMS key of the repository client-side encryption: operators need kms:Decrypt on it to restore',
      }).overrideLogicalId('BackupRepositoryKeyArn');
    }

    const rule = (ruleId: string, minutes: number, input?: events.RuleTargetInput) =>
      new events.Rule(this, ruleId, {
        schedule: events.Schedule.rate(Duration.minutes(minutes)),
        targets: [new targets.LambdaFunction(this.function, { event: input, retryAttempts: 0 })],
        enabled: props.config?.enabled ?? true,
      });
    rule('Schedule', c.intervalMinutes);
    rule(
      'Continuation',
      c.continuationMinutes,
      events.RuleTargetInput.fromObject({ bulkhead: 'backup-continue' }),
    );

    this.noBackupAlarm = new cloudwatch.Alarm(this, 'NoBackupAlarm', {
      alarmDescription: `No successful backup of the EFS volume within 2 intervals (${2 * c.intervalMinutes} min)`,
      metric: new cloudwatch.Metric({
        namespace: 'Bulkhead',
        metricName: BACKUP_METRICS.success,
        dimensionsMap: { service: 'volume-backup' },
        statistic: 'Sum',
        period: Duration.minutes(c.intervalMinutes),
      }),
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    if (props.alarmTopic) this.noBackupAlarm.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));

    // Operators point the CLI at this: `bulkhead snapshots --repo <BackupRepositoryUrl>`.
    new CfnOutput(this, 'RepositoryUrl', {
      value: this.repositoryUrl,
      description: 'Backup repository for the CLI: bulkhead snapshots --repo <this>',
    }).overrideLogicalId('BackupRepositoryUrl');

    // ---- cdk-nag: findings that are by design here, each acknowledged with its reason ----
    const role = this.function.role;
    if (role) {
      const ack = (id: string, reason: string) => Validations.of(role).acknowledge({ id, reason });
      ack(
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'AWSLambdaBasicExecutionRole is the AWS-managed minimum for writing the function its own logs',
      );
      ack(
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        'The backup runs in the VPC to mount EFS; this managed policy is the minimum for its ENIs',
      );
      for (const action of ['kms:GenerateDataKey*', 'kms:ReEncrypt*']) {
        ack(
          `AwsSolutions-IAM5[Action::${action}]`,
          "CDK's grant on the backup bucket's own KMS key, to write and read SSE-KMS objects",
        );
      }
      for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:Abort*']) {
        ack(
          `AwsSolutions-IAM5[Action::${action}]`,
          `bucket.grantRead/grantPut on the backup bucket only, objects under ${repoPrefix}: the repository's reads, listings and uploads`,
        );
      }
      ack(
        'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
        `bucket.grantDelete on ${repoPrefix}locks/* and ${repoPrefix}checkpoints/* only: releasing the lease and a finished checkpoint; packs and snapshots cannot be deleted by the function`,
      );
      ack(
        'AwsSolutions-IAM5[Resource::*]',
        'X-Ray tracing (BulkheadFunction default) supports no resource-level permissions',
      );
      const arn = this.bucket.node.defaultChild as s3.CfnBucket;
      const bucketArn = `<${Stack.of(this).getLogicalId(arn)}.Arn>`;
      ack(
        `AwsSolutions-IAM5[Resource::${bucketArn}/${repoPrefix}*]`,
        `Content-addressed keys are not known in advance: objects under the repository prefix ${repoPrefix} only`,
      );
      for (const sub of ['locks', 'checkpoints']) {
        ack(
          `AwsSolutions-IAM5[Resource::${bucketArn}/${repoPrefix}${sub}/*]`,
          `Deletes confined to the repository's ${sub}/ objects (lease release, finished checkpoints); data stays undeletable`,
        );
      }
    }
  }
}

/** lambda.FileSystem with a chosen policy: `fromEfsAccessPoint` always adds ClientWrite. */
class ReadOnlyMount extends lambda.FileSystem {
  constructor(config: lambda.FileSystemConfig) {
    super(config);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
