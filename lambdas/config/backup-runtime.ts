import * as z from 'zod/mini';
import { parseJsonEnv, requireEnv } from './json-env';

/**
 * The backup function's runtime config: env var, mount path, metric names, and the schema of the
 * JSON the construct puts in {@link BACKUP_CONFIG_ENV}. zod/mini, because this is in the Lambda
 * bundle (classic zod, which the deploy-time schema in `backup.ts` uses, added 422 KB to it).
 */

/** Env var holding the backup function's runtime config (JSON, {@link backupRuntimeSchema}). */
export const BACKUP_CONFIG_ENV = 'BULKHEAD_BACKUP_CONFIG';

/** Where the EFS access point is mounted in the backup function (read-only). */
export const BACKUP_MOUNT_PATH = '/mnt/data';

/** The metric names the backup function publishes (namespace `Bulkhead`, dimension `service`). */
export const BACKUP_METRICS = {
  success: 'BackupSuccess',
  bytesRead: 'BackupBytesRead',
  bytesAdded: 'BackupBytesAdded',
  files: 'BackupFiles',
  duration: 'BackupDuration',
  checkpointed: 'BackupCheckpointed',
  locked: 'BackupLocked',
  skippedFiles: 'BackupSkippedFiles',
  drillFailures: 'RestoreDrillFailures',
} as const;

/**
 * The compression codecs new blobs can be written with (lambdas/core/snapshot/codec.ts); the one
 * definition that the deploy-time setting and the runtime config both validate against.
 */
export const backupCodecSchema = z.enum(['zstd', 'brotli', 'deflate', 'none']);

/** A codec name new blobs can be written with. */
export type BackupCodec = z.infer<typeof backupCodecSchema>;

/** Runtime config of the backup function, passed as JSON in {@link BACKUP_CONFIG_ENV}. */
export const backupRuntimeSchema = z.object({
  bucket: z.string().check(z.minLength(3)),
  /** Key prefix of the repository in the bucket. */
  prefix: z.string(),
  /** The mounted volume to back up. */
  sourcePath: z.string().check(z.startsWith('/')),
  /** Recorded as the snapshot's hostname: snapshots of one volume group together. */
  sourceName: z.string().check(z.minLength(1)),
  leaseTtlMs: z.int().check(z.minimum(10_000)),
  /** Stop reading and checkpoint when less than this much time remains. */
  checkpointMarginMs: z.int().check(z.minimum(5_000)),
  restoreDrillFiles: z.int().check(z.minimum(0)),
  codec: backupCodecSchema,
  /** Create the repository encrypted with a data key from this KMS key (absent: not encrypted). */
  kmsKeyArn: z.optional(z.string().check(z.startsWith('arn:'))),
});

/** Validated runtime config. */
export type BackupRuntimeConfig = z.infer<typeof backupRuntimeSchema>;

/** Reads and validates the runtime config from an environment; throws with the bad value named. */
export function readBackupEnv(env: Readonly<Record<string, string | undefined>>): BackupRuntimeConfig {
  return parseJsonEnv(BACKUP_CONFIG_ENV, requireEnv(env, BACKUP_CONFIG_ENV), backupRuntimeSchema);
}
