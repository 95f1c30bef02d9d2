import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Props for {@link LogBucket}. */
export interface LogBucketProps {
  /**
   * How long access logs are kept.
   * @default Duration.days(90)
   */
  readonly expiration?: Duration;
}

/**
 * The sink for the ALB's access logs (prefix `alb/`) and the S3 server access logs of Bulkhead's
 * buckets (prefix `s3/`). Encrypted with SSE-S3 because ALB log delivery supports no other
 * server-side encryption (SSE-KMS is rejected), TLS only, no public access, versioned.
 */
export class LogBucket extends Construct {
  /** The bucket. */
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: LogBucketProps = {}) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [
        {
          expiration: props.expiration ?? Duration.days(90),
          noncurrentVersionExpiration: Duration.days(7),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This is the access-log sink of the Bulkhead stack (ALB logs and S3 server access logs); logging ' +
        'its own access would need another sink and would recurse. Writes come only from the ELB and S3 ' +
        'log-delivery principals granted by its bucket policy.',
    });
  }
}
