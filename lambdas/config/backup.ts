import { z } from 'zod';
import { backupCodecSchema } from './backup-runtime';

/** A KMS key ARN (not an alias: IAM scopes permissions to keys). */
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f-]{36})$/;

// Deploy-time only (lib/, cdk.json): classic zod. The runtime side (env var, metric names, runtime
// schema) is in backup-runtime.ts, in zod/mini, and is all the Lambda bundle imports.

/**
 * Deploy-time settings of the backup (cdk.json context `bulkhead.backup`). Every field is optional.
 */
export const backupConfigSchema = z
  .object({
    /** Turn the scheduled backup off entirely (the bucket stays). @default true */
    enabled: z.boolean().optional(),
    /** Minutes between scheduled backups; the no-backup alarm watches 2 intervals (at most a day). @default 60 */
    intervalMinutes: z
      .number()
      .int()
      .min(5)
      .max(12 * 60)
      .optional(),
    /** Minutes between continuation checks (resume a checkpointed run; a no-op otherwise). @default 15 */
    continuationMinutes: z.number().int().min(5).max(60).optional(),
    /** Function memory (MB); CPU grows with it (1,769 MB = 1 vCPU). @default 3008 */
    memorySize: z.number().int().min(512).max(10240).optional(),
    /** Function timeout in minutes; the lease TTL and checkpoint margin follow it. @default 15 */
    timeoutMinutes: z.number().int().min(3).max(15).optional(),
    /** After each backup, restore this many files to /tmp and compare hashes with the source (0 = off). @default 5 */
    restoreDrillFiles: z.number().int().min(0).max(100).optional(),
    /** Object Lock (compliance mode) retention in days on the backup bucket; 0 = no Object Lock. @default 0 */
    objectLockDays: z.number().int().min(0).max(36_500).optional(),
    /** Days noncurrent object versions are kept before expiry. @default 30 */
    noncurrentVersionDays: z.number().int().min(1).max(3650).optional(),
    /** Key prefix of the repository in the backup bucket. @default 'volume/' */
    prefix: z
      .string()
      .regex(/^([A-Za-z0-9!_.*'()-]+\/)*$/, {
        error: "must be '' or path segments each ending in '/', e.g. 'volume/'",
      })
      .optional(),
    /** Compression for new blobs; zstd is in node:zlib on Lambda's nodejs22.x/24.x. @default 'zstd' */
    codec: z.optional(backupCodecSchema),
    /**
     * Client-side encryption of the repository with a KMS data key (envelope encryption): the ARN of
     * an existing symmetric KMS key (`arn:aws:kms:<region>:<account>:key/<id>`; an alias cannot be
     * scoped in IAM), or `'create'` for a new key with rotation. The function may only
     * kms:GenerateDataKey and kms:Decrypt on it, for Bulkhead repository contexts. Applies when the
     * function creates the repository; a repository that exists without it makes backups fail.
     * @default no client-side encryption (the bucket's SSE-KMS still applies)
     */
    kmsKeyArn: z.optional(
      z.union([
        z.literal('create'),
        z.string().regex(KMS_KEY_ARN, {
          error: "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>) or 'create'",
        }),
      ]),
    ),
  })
  .strict();

/** Validated backup settings. */
export type BackupConfig = z.infer<typeof backupConfigSchema>;
