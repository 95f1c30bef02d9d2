import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../lambdas/adapters/aws/s3-object-store';

// s3rver ships no types; this is the part of its API the tests use.
// biome-ignore lint/suspicious/noExplicitAny: untyped CommonJS module
const S3rver: any = require('s3rver');

/** An s3rver on a random loopback port over a temp dir, started and stopped by the test itself. */
export interface S3rverHandle {
  readonly endpoint: string;
  readonly client: S3Client;
  readonly bucket: string;
  stop(): Promise<void>;
}

/** Starts s3rver on 127.0.0.1:0 with one bucket. */
export async function startS3rver(bucket = 'backups'): Promise<S3rverHandle> {
  const directory = await mkdtemp(path.join(tmpdir(), 'bulkhead-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const address = (await server.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${address.port}`;
  const client = createS3Client({
    endpoint,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  return {
    endpoint,
    client,
    bucket,
    async stop() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
