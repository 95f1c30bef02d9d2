import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createS3Client, S3ObjectStore } from '../../lambdas/adapters/aws/s3-object-store';
import { PreconditionFailedError } from '../../lambdas/ports/object-store';

function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: status },
    message: name,
  });
}

/** The part of the SDK's stream mixin the adapter uses. */
function body(text: string) {
  // biome-ignore lint/suspicious/noExplicitAny: a minimal stand-in for the SDK's StreamingBlobPayload
  return { transformToByteArray: async () => new Uint8Array(Buffer.from(text)) } as any;
}

describe('S3ObjectStore (aws-sdk-client-mock)', () => {
  const s3 = mockClient(S3Client);
  const store = new S3ObjectStore({
    client: new S3Client({ region: 'us-east-1' }),
    bucket: 'b',
    prefix: 'repo',
  });
  beforeEach(() => s3.reset());

  test('GIVEN ifNoneMatch WHEN put THEN PutObject carries If-None-Match under the prefix, and 412 maps to PreconditionFailedError', async () => {
    s3.on(PutObjectCommand).rejectsOnce(s3Error('PreconditionFailed', 412)).resolves({ ETag: '"e2"' });
    await expect(store.put('locks/x', new Uint8Array([1]), { ifNoneMatch: '*' })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'b',
      Key: 'repo/locks/x',
      IfNoneMatch: '*',
    });
    expect(await store.put('locks/x', new Uint8Array([1]), { ifMatch: '"e1"' })).toEqual({ etag: '"e2"' });
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { IfMatch: '"e1"', ContentLength: 1 });
  });

  test('GIVEN a 409 ConditionalRequestConflict WHEN put THEN PreconditionFailedError; other errors pass through', async () => {
    s3.on(PutObjectCommand)
      .rejectsOnce(s3Error('ConditionalRequestConflict', 409))
      .rejectsOnce(s3Error('AccessDenied', 403));
    await expect(store.put('k', new Uint8Array(), { ifMatch: '"x"' })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    await expect(store.put('k', new Uint8Array())).rejects.toThrow(/AccessDenied/);
  });

  test('GIVEN NoSuchKey/NotFound WHEN get/head/getRange/delete THEN undefined, undefined, not-found, no error', async () => {
    s3.on(GetObjectCommand).rejects(s3Error('NoSuchKey', 404));
    s3.on(HeadObjectCommand).rejects(s3Error('NotFound', 404));
    s3.on(DeleteObjectCommand).rejects(s3Error('NoSuchKey', 404));
    expect(await store.get('x')).toBeUndefined();
    expect(await store.head('x')).toBeUndefined();
    await expect(store.getRange('x', 0, 10)).rejects.toThrow('object not found: x');
    await expect(store.delete('x')).resolves.toBeUndefined();
  });

  test('GIVEN a range [start, end) WHEN getRange THEN the HTTP range is inclusive bytes=start-(end-1)', async () => {
    s3.on(GetObjectCommand).resolves({ Body: body('cdef'), ETag: '"e"' });
    expect(Buffer.from(await store.getRange('p', 2, 6)).toString()).toBe('cdef');
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Key: 'repo/p', Range: 'bytes=2-5' });
  });

  test('GIVEN a truncated listing WHEN listed THEN every page is followed and keys lose the prefix', async () => {
    const t = new Date(1000);
    s3.on(ListObjectsV2Command, { ContinuationToken: undefined })
      .resolves({
        IsTruncated: true,
        NextContinuationToken: 't1',
        Contents: [{ Key: 'repo/data/a', Size: 1, ETag: '"a"', LastModified: t }],
      })
      .on(ListObjectsV2Command, { ContinuationToken: 't1' })
      .resolves({
        IsTruncated: false,
        Contents: [{ Key: 'repo/data/b', Size: 2, ETag: '"b"', LastModified: t }],
      });
    const keys: string[] = [];
    for await (const o of store.list('data/')) keys.push(o.key);
    expect(keys).toEqual(['data/a', 'data/b']);
    expect(s3).toHaveReceivedCommandWith(ListObjectsV2Command, { Bucket: 'b', Prefix: 'repo/data/' });
    expect(s3).toHaveReceivedCommandTimes(ListObjectsV2Command, 2);
  });

  test('GIVEN an endpoint WHEN the client is built THEN path style and checksums-when-required are set', async () => {
    const client = createS3Client({ endpoint: 'http://127.0.0.1:9' });
    expect(await client.config.forcePathStyle).toBe(true);
    expect(await client.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await client.config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
  });
});
