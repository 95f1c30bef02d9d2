import { S3ObjectStore } from '../../lambdas/adapters/aws/s3-object-store';
import { startS3rver } from '../backup/s3rver-harness';
import { objectStoreContract } from './object-store-contract';

// s3rver 3.7 ignores If-None-Match / If-Match on PutObject, so the conditional cases run against the
// mock above and the directory and memory backends, not here.
objectStoreContract(
  'S3ObjectStore on s3rver (loopback)',
  async () => {
    const server = await startS3rver();
    return {
      store: new S3ObjectStore({ client: server.client, bucket: server.bucket, prefix: 'contract' }),
      done: () => server.stop(),
    };
  },
  { conditional: false },
);
