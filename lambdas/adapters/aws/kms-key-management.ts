import type { KMSClient } from '@aws-sdk/client-kms';
import {
  type DataKey,
  type EncryptionContext,
  type KeyErrorReason,
  type KeyManagement,
  KeyManagementError,
  type KeyOperation,
} from '../../ports/key-management';
import { lazyModule } from './lazy-module';

/** The KMS SDK, loaded on first use: commands on unencrypted or passphrase repositories never load it. */
const sdk = lazyModule<typeof import('@aws-sdk/client-kms')>(() => require('@aws-sdk/client-kms'));

/** Props of {@link KmsKeyManagement}. */
export interface KmsKeyManagementProps {
  /**
   * Builds the client for a region: the key ARN's region when the key is given as an ARN, else
   * `undefined` (the SDK's region chain, AWS_REGION). Called once per region.
   * @default `new KMSClient({ region })`
   */
  readonly clientFor?: (region: string | undefined) => KMSClient;
}

/** The region in a KMS key or alias ARN (`arn:aws:kms:<region>:<account>:key/<id>`), if it is one. */
export function kmsArnRegion(keyId: string): string | undefined {
  return /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:(key|alias)\//.exec(keyId)?.[1];
}

/** SDK error names and what they mean for the caller. */
const REASONS: Readonly<Record<string, KeyErrorReason>> = {
  AccessDeniedException: 'access-denied',
  NotFoundException: 'not-found',
  InvalidArnException: 'not-found',
  DisabledException: 'disabled',
  KMSInvalidStateException: 'disabled',
  KeyUnavailableException: 'disabled',
  InvalidCiphertextException: 'invalid-ciphertext',
  IncorrectKeyException: 'invalid-ciphertext',
  CredentialsProviderError: 'no-credentials',
};

function mapError(keyId: string, operation: KeyOperation, error: unknown): KeyManagementError {
  const e = error as { name?: string; message?: string } | undefined;
  const name = e?.name ?? 'Error';
  const reason = REASONS[name] ?? (/region is missing/i.test(e?.message ?? '') ? 'no-credentials' : 'other');
  return new KeyManagementError(keyId, operation, reason, `${name}: ${e?.message ?? String(error)}`);
}

/**
 * {@link KeyManagement} on AWS KMS: GenerateDataKey (AES_256) and Decrypt, both with the
 * EncryptionContext, Decrypt also with the KeyId so a blob is never decrypted under another key.
 * SDK errors become {@link KeyManagementError}s that name the key and the missing permission.
 */
export class KmsKeyManagement implements KeyManagement {
  private readonly clients = new Map<string, KMSClient>();

  constructor(private readonly props: KmsKeyManagementProps = {}) {}

  private client(keyId: string): KMSClient {
    const region = kmsArnRegion(keyId);
    const cacheKey = region ?? '';
    let client = this.clients.get(cacheKey);
    if (!client) {
      client = this.props.clientFor?.(region) ?? new (sdk().KMSClient)({ region });
      this.clients.set(cacheKey, client);
    }
    return client;
  }

  async generateDataKey(keyId: string, context: EncryptionContext): Promise<DataKey> {
    const { GenerateDataKeyCommand } = sdk();
    const out = await this.client(keyId)
      .send(
        new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: { ...context } }),
      )
      .catch((error: unknown) => {
        throw mapError(keyId, 'GenerateDataKey', error);
      });
    if (out.Plaintext?.length !== 32 || !out.CiphertextBlob || !out.KeyId) {
      throw new KeyManagementError(
        keyId,
        'GenerateDataKey',
        'other',
        'the response lacks a 32-byte data key',
      );
    }
    return { plaintext: out.Plaintext, ciphertext: out.CiphertextBlob, keyArn: out.KeyId };
  }

  async decrypt(keyId: string, ciphertext: Uint8Array, context: EncryptionContext): Promise<Uint8Array> {
    const { DecryptCommand } = sdk();
    const out = await this.client(keyId)
      .send(
        new DecryptCommand({ KeyId: keyId, CiphertextBlob: ciphertext, EncryptionContext: { ...context } }),
      )
      .catch((error: unknown) => {
        throw mapError(keyId, 'Decrypt', error);
      });
    if (!out.Plaintext)
      throw new KeyManagementError(keyId, 'Decrypt', 'other', 'the response has no plaintext');
    return out.Plaintext;
  }
}
