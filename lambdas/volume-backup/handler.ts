import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { KmsKeyManagement } from '../adapters/aws/kms-key-management';
import { createS3Client, S3ObjectStore } from '../adapters/aws/s3-object-store';
import { EmfMetricSink, powertoolsLog } from '../adapters/aws/telemetry';
import { NodeRestoreTarget, NodeSourceTree } from '../adapters/local/node-file-tree';
import { readBackupEnv } from '../config/backup-runtime';
import { runtimeCodecs } from '../core/snapshot/codec';
import { systemClock } from '../ports/clock';
import { createVolumeBackupHandler } from './function';

// Built once per cold start: env is read and clients are constructed outside the handler body.
const config = readBackupEnv(process.env);
const drillDir = path.join('/tmp', 'restore-drill');

/**
 * The AWS entry of the volume backup (EventBridge schedule and continuation events). zstd comes from
 * node:zlib on nodejs22.x/24.x; the native binding is never bundled here.
 */
export const handler = createVolumeBackupHandler({
  store: new S3ObjectStore({ client: createS3Client(), bucket: config.bucket, prefix: config.prefix }),
  source: new NodeSourceTree(config.sourcePath),
  codecs: runtimeCodecs(undefined, config.codec),
  clock: systemClock,
  log: powertoolsLog,
  metrics: new EmfMetricSink(),
  config,
  // Always present: a repository made with --kms-key by the CLI then fails with KMS's reason, not "no client".
  kms: new KmsKeyManagement(),
  drill: {
    target: new NodeRestoreTarget(drillDir),
    read: new NodeSourceTree(drillDir),
    reset: async () => {
      await fs.rm(drillDir, { recursive: true, force: true });
      await fs.mkdir(drillDir, { recursive: true });
    },
  },
});
