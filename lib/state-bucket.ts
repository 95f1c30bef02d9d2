import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { IDEMPOTENCY_PREFIX } from '../lambdas/core/idempotency';

/**
 * How long an idempotency marker (`control/idempotency/`) lives. A marker only has to outlast every
 * redelivery of the event (or repeat of the decision) it guards. The longest automatic one: the
 * EventBridge target retries for up to `maxEventAge` 10 minutes, then Lambda's asynchronous queue
 * of the zone-shifter and task-replacer holds the event for up to another 10 minutes (their invoke
 * config's `maxEventAge`, lib/failover.ts) with 60-s timeouts: well under an hour in all. A week is
 * more than 150 times that. The dead-letter queues keep events 14 days, but an event there never
 * claimed a marker (EventBridge could not deliver it, or every attempt failed before the claim: a
 * retry of a run that had claimed is answered "already handled" and succeeds), so a redrive has
 * nothing to find. Decision markers are keyed by the shift-state revision or the exact tasks, which
 * move on with every action, so an expired one guards nothing a live run could still decide.
 * S3 counts the days from the marker's last write, rounded up to the next midnight UTC.
 */
export const IDEMPOTENCY_MARKER_EXPIRATION = Duration.days(7);

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
 * (`leases/`), the pause switch (`control/pause.json`) and idempotency markers
 * (`control/idempotency/`). KMS-encrypted with a rotating customer key, versioned (so an
 * overwritten lease or a deleted audit record can be recovered), TLS only, no public access, with
 * server access logs. There is no database: leases are conditional writes here.
 *
 * Only the idempotency markers expire. Audit records are the audit trail, and the incident log is
 * the history the availability function computes MTBF/MTTR from: both are kept (their current
 * versions never expire; only overwritten or deleted versions go after 30 days).
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
        {
          id: 'noncurrent-versions',
          noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? Duration.days(30),
          // A delete marker with no version left behind it (e.g. an expired marker's, once its last
          // version is gone) hides nothing; remove it so listings stay short.
          expiredObjectDeleteMarker: true,
        },
        {
          id: 'idempotency-markers',
          prefix: IDEMPOTENCY_PREFIX,
          expiration: IDEMPOTENCY_MARKER_EXPIRATION,
          // The bucket is versioned: expiring the current version only adds a delete marker, so
          // the marker's versions (a decision marker is rewritten in-progress -> done) go a day
          // later. The shorter of this and the bucket-wide 30 days applies (S3 honours the shorter
          // of overlapping expirations); an expired marker is worth nothing to recover.
          noncurrentVersionExpiration: Duration.days(1),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
