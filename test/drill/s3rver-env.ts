import { type S3rverHandle, startS3rver } from '../backup/s3rver-harness';

/** s3rver checks signatures against these; the drill's S3 client reads them from the SDK's env chain. */
export const S3RVER_ENV = {
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  AWS_REGION: 'us-east-1',
};

/**
 * Starts an s3rver with `bucket` before the enclosing block's tests and puts {@link S3RVER_ENV} in
 * this process's environment meanwhile (code under test builds its S3 client from it); afterwards
 * stops the server and restores the environment. Returns the running server.
 */
export function useS3rver(bucket: string): () => S3rverHandle {
  let server: S3rverHandle | undefined;
  const saved: Record<string, string | undefined> = {};
  beforeAll(async () => {
    server = await startS3rver(bucket);
    for (const [k, v] of Object.entries(S3RVER_ENV)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error('the s3rver is not running: call the getter inside a test');
    return server;
  };
}
