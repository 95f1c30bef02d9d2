import { z } from 'zod';

/** Deploy-time settings of the backup functions (cdk.json context `bulkhead.backup`). Filled in by the backup work. */
export const backupConfigSchema = z.object({}).strict();

/** Validated backup settings. */
export type BackupConfig = z.infer<typeof backupConfigSchema>;
