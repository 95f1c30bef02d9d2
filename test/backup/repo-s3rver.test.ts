import { S3ObjectStore } from '../../lambdas/adapters/aws/s3-object-store';
import { repositorySuite } from './repo-suite';
import { type S3rverHandle, startS3rver } from './s3rver-harness';

let server: S3rverHandle;
let n = 0;
beforeAll(async () => {
  server = await startS3rver('backups');
});
afterAll(async () => {
  await server.stop();
});

// s3rver ignores If-None-Match/If-Match, so the two-concurrent-backups cases (which rest on the
// lease's conditional writes) run on the directory backend and against aws-sdk-client-mock instead.
repositorySuite('S3 (s3rver on loopback)', {
  conditional: false,
  async store() {
    n++;
    return new S3ObjectStore({ client: server.client, bucket: server.bucket, prefix: `suite-${n}` });
  },
  cli: (store) => ({
    args: [
      '--repo',
      `s3://${server.bucket}/${(store as unknown as { prefix: string }).prefix}`,
      '--endpoint',
      server.endpoint,
    ],
    env: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' },
  }),
});
