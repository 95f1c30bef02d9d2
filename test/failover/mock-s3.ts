import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';

/** An S3 error as the SDK raises it. */
function s3Error(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

/**
 * Mocks S3Client with an in-memory bucket that honours If-None-Match / If-Match like S3 does,
 * so the real S3ObjectStore adapter runs unchanged underneath the handlers.
 */
export function mockS3Bucket() {
  const objects = new Map<string, { body: Uint8Array; etag: string }>();
  const s3 = mockClient(S3Client);
  s3.on(GetObjectCommand).callsFake(async (input) => {
    const o = objects.get(input.Key);
    if (!o) throw s3Error('NoSuchKey', 404);
    return { ETag: o.etag, Body: { transformToByteArray: async () => o.body.slice() } };
  });
  s3.on(HeadObjectCommand).callsFake(async (input) => {
    const o = objects.get(input.Key);
    if (!o) throw s3Error('NotFound', 404);
    return { ETag: o.etag, ContentLength: o.body.length, LastModified: new Date() };
  });
  s3.on(PutObjectCommand).callsFake(async (input) => {
    const current = objects.get(input.Key);
    if (input.IfNoneMatch === '*' && current) throw s3Error('PreconditionFailed', 412);
    if (input.IfMatch !== undefined && current?.etag !== input.IfMatch)
      throw s3Error('PreconditionFailed', 412);
    const body = new Uint8Array(input.Body as Uint8Array);
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    objects.set(input.Key, { body, etag });
    return { ETag: etag };
  });
  s3.on(ListObjectsV2Command).callsFake(async (input) => ({
    IsTruncated: false,
    Contents: [...objects.keys()]
      .filter((k) => k.startsWith(input.Prefix ?? ''))
      .sort()
      .map((Key) => ({ Key, Size: objects.get(Key)!.body.length, ETag: objects.get(Key)!.etag })),
  }));
  s3.on(DeleteObjectCommand).callsFake(async (input) => {
    objects.delete(input.Key);
    return {};
  });
  return { s3, objects };
}
