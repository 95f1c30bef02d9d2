import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Props for {@link StateBucket}. */
export interface StateBucketProps {
  /** Bucket receiving this bucket's S3 server access logs (under `s3/state/`). */
  readonly accessLogsBucket: s3.IBucket;
  /**
   * How long old versions of overwritten state objects are kept.
   * @default Duration.days(30)
   */
  readonly noncurrentVersionExpiration?: Duration;
}

/**
 * Bulkhead's own state: audit records (`audit/`), the incident log (`incidents/`), leases
 * (`leases/`) and the pause switch (`control/pause.json`). KMS-encrypted with a rotating customer
 * key, versioned (so an overwritten lease or a deleted audit record can be recovered), TLS only,
 * no public access, with server access logs. There is no database: leases are conditional writes here.
 */
export class StateBucket extends Construct {
  /** The bucket. */
  readonly bucket: s3.Bucket;
  /** The key that encrypts it (functions writing state need encrypt/decrypt on it; `bucket.grant*` adds that). */
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: StateBucketProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'Bulkhead state bucket (audit records, incidents, leases)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 's3/state/',
      lifecycleRules: [
        { noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? Duration.days(30) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
