import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import {
  type ObjectInfo,
  ObjectNotFoundError,
  type ObjectStore,
  PreconditionFailedError,
  type PutOptions,
  type StoredObject,
} from '../../ports/object-store';
import { lazyModule } from './lazy-module';

/** The S3 SDK, loaded on first use: a command on a local repository never pays ~0.8 s for it. */
const sdk = lazyModule<typeof import('@aws-sdk/client-s3')>(() => require('@aws-sdk/client-s3'));

/** Props of {@link S3ObjectStore}. */
export interface S3ObjectStoreProps {
  /** The client; build it once per cold start (see {@link createS3Client}). */
  readonly client: S3Client;
  readonly bucket: string;
  /**
   * Key prefix every port key is placed under; a trailing `/` is added when missing.
   * @default '' (bucket root)
   */
  readonly prefix?: string;
}

/** Options for {@link createS3Client}. */
export interface S3ClientOptions {
  /** @default the SDK's region chain (AWS_REGION), or `us-east-1` when an endpoint is set */
  readonly region?: string;
  /**
   * An S3-compatible endpoint such as `http://127.0.0.1:4568` (s3rver, MinIO). Setting it also turns
   * on path-style addressing and checksums only when required: with the SDK's default flexible
   * checksums s3rver silently stores the aws-chunked framing inside the object.
   */
  readonly endpoint?: string;
  /** Static credentials, e.g. s3rver's `S3RVER`/`S3RVER`. @default the SDK's provider chain */
  readonly credentials?: S3ClientConfig['credentials'];
}

/** Builds an S3 client for AWS, or for an S3-compatible server when `endpoint` is given. */
export function createS3Client(options: S3ClientOptions = {}): S3Client {
  const { S3Client } = sdk();
  if (!options.endpoint) {
    return new S3Client({ region: options.region, credentials: options.credentials });
  }
  return new S3Client({
    region: options.region ?? 'us-east-1',
    endpoint: options.endpoint,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    credentials: options.credentials,
  });
}

interface SdkError {
  readonly name?: string;
  readonly Code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

function statusOf(error: unknown): number | undefined {
  return (error as SdkError | undefined)?.$metadata?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  const e = error as SdkError;
  return (
    e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.Code === 'NoSuchKey' || statusOf(error) === 404
  );
}

/** 412 is a lost If-None-Match/If-Match; 409 is S3's ConditionalRequestConflict (a concurrent conditional write). */
function isPreconditionFailed(error: unknown): boolean {
  const e = error as SdkError;
  return (
    e?.name === 'PreconditionFailed' ||
    e?.name === 'ConditionalRequestConflict' ||
    statusOf(error) === 412 ||
    statusOf(error) === 409
  );
}

/**
 * The {@link ObjectStore} port over Amazon S3 (or an S3-compatible server). Conditional writes map
 * to PutObject's If-None-Match / If-Match, whose 412 and 409 answers become
 * {@link PreconditionFailedError}; lists follow continuation tokens to the end.
 */
export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(props: S3ObjectStoreProps) {
    this.client = props.client;
    this.bucket = props.bucket;
    const prefix = props.prefix ?? '';
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  }

  private k(key: string): string {
    return this.prefix + key;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    try {
      const out = await this.client.send(
        new (sdk().GetObjectCommand)({ Bucket: this.bucket, Key: this.k(key) }),
      );
      const body = out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
      return { body, etag: out.ETag ?? '' };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async getRange(key: string, start: number, end: number): Promise<Uint8Array> {
    if (end <= start) return new Uint8Array();
    try {
      const out = await this.client.send(
        new (sdk().GetObjectCommand)({
          Bucket: this.bucket,
          Key: this.k(key),
          Range: `bytes=${start}-${end - 1}`,
        }),
      );
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(key);
      throw error;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.client.send(
        new (sdk().HeadObjectCommand)({ Bucket: this.bucket, Key: this.k(key) }),
      );
      return {
        key,
        size: out.ContentLength ?? 0,
        etag: out.ETag ?? '',
        lastModifiedMs: out.LastModified?.getTime() ?? 0,
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async put(key: string, body: Uint8Array, options: PutOptions = {}): Promise<{ etag: string }> {
    try {
      const out = await this.client.send(
        new (sdk().PutObjectCommand)({
          Bucket: this.bucket,
          Key: this.k(key),
          Body: body,
          ContentLength: body.byteLength,
          ContentType: options.contentType,
          IfNoneMatch: options.ifNoneMatch,
          IfMatch: options.ifMatch,
        }),
      );
      return { etag: out.ETag ?? '' };
    } catch (error) {
      if (isPreconditionFailed(error)) throw new PreconditionFailedError(key);
      throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      const out = await this.client.send(
        new (sdk().ListObjectsV2Command)({
          Bucket: this.bucket,
          Prefix: this.k(prefix),
          ContinuationToken: token,
        }),
      );
      for (const o of out.Contents ?? []) {
        if (o.Key === undefined) continue;
        yield {
          key: o.Key.slice(this.prefix.length),
          size: o.Size ?? 0,
          etag: o.ETag ?? '',
          lastModifiedMs: o.LastModified?.getTime() ?? 0,
        };
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new (sdk().DeleteObjectCommand)({ Bucket: this.bucket, Key: this.k(key) }));
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
  }
}
