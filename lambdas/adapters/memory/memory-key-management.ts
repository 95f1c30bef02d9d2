import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import {
  type DataKey,
  type EncryptionContext,
  type KeyManagement,
  KeyManagementError,
  type KeyOperation,
} from '../../ports/key-management';

interface FakeKey {
  readonly arn: string;
  readonly material: Buffer;
  enabled: boolean;
}

/** One call the fake answered or refused, for assertions. */
export interface KeyCall {
  readonly operation: KeyOperation;
  readonly keyId: string;
  readonly context: EncryptionContext;
}

const ACCOUNT = '111122223333';

/**
 * An in-process {@link KeyManagement} with KMS's semantics where the repository depends on them:
 * keys addressed by ARN, key ID, alias name or alias ARN; data keys bound to their encryption
 * context (a different context fails as InvalidCiphertext); Decrypt with another KeyId fails;
 * per-operation denial and disabled keys fail with the errors the AWS adapter raises. For tests and
 * the simulated region.
 */
export class MemoryKeyManagement implements KeyManagement {
  private readonly keys = new Map<string, FakeKey>();
  private readonly aliases = new Map<string, string>();
  private readonly denied = new Set<KeyOperation>();
  /** Every call, in order (refused ones too). */
  readonly calls: KeyCall[] = [];

  constructor(private readonly region = 'us-east-1') {}

  /** Creates a key (optionally with an alias such as `alias/backup`) and returns its ARN. */
  createKey(alias?: string): string {
    const arn = `arn:aws:kms:${this.region}:${ACCOUNT}:key/${randomUUID()}`;
    this.keys.set(arn, { arn, material: randomBytes(32), enabled: true });
    if (alias) this.aliases.set(alias, arn);
    return arn;
  }

  /** Makes every later call of `operation` fail with AccessDenied (as a missing IAM permission does). */
  deny(operation: KeyOperation): void {
    this.denied.add(operation);
  }

  /** Undoes {@link deny}. */
  allow(operation: KeyOperation): void {
    this.denied.delete(operation);
  }

  /** Disables or enables a key. */
  setEnabled(arn: string, enabled: boolean): void {
    const key = this.keys.get(arn);
    if (!key) throw new Error(`no fake key ${arn}`);
    key.enabled = enabled;
  }

  private resolve(keyId: string, operation: KeyOperation, context: EncryptionContext): FakeKey {
    this.calls.push({ operation, keyId, context: { ...context } });
    const aliasName = /^arn:aws:kms:[^:]+:\d{12}:(alias\/.+)$/.exec(keyId)?.[1] ?? keyId;
    const arn =
      this.aliases.get(aliasName) ??
      [...this.keys.keys()].find((k) => k === keyId || k.endsWith(`:key/${keyId}`));
    const key = arn ? this.keys.get(arn) : undefined;
    if (!key) throw new KeyManagementError(keyId, operation, 'not-found', 'NotFoundException (fake)');
    if (this.denied.has(operation)) {
      throw new KeyManagementError(keyId, operation, 'access-denied', 'AccessDeniedException (fake)');
    }
    if (!key.enabled) throw new KeyManagementError(keyId, operation, 'disabled', 'DisabledException (fake)');
    return key;
  }

  async generateDataKey(keyId: string, context: EncryptionContext): Promise<DataKey> {
    const key = this.resolve(keyId, 'GenerateDataKey', context);
    const plaintext = randomBytes(32);
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key.material, nonce);
    cipher.setAAD(aad(context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const arn = Buffer.from(key.arn);
    const head = Buffer.alloc(2);
    head.writeUInt16BE(arn.length);
    const ciphertext = Buffer.concat([head, arn, nonce, body, cipher.getAuthTag()]);
    return { plaintext: new Uint8Array(plaintext), ciphertext: new Uint8Array(ciphertext), keyArn: key.arn };
  }

  async decrypt(keyId: string, ciphertext: Uint8Array, context: EncryptionContext): Promise<Uint8Array> {
    const key = this.resolve(keyId, 'Decrypt', context);
    const blob = Buffer.from(ciphertext);
    const invalid = () => new KeyManagementError(keyId, 'Decrypt', 'invalid-ciphertext', 'fake');
    if (blob.length < 2 + 12 + 32 + 16) throw invalid();
    const arnLength = blob.readUInt16BE(0);
    if (blob.subarray(2, 2 + arnLength).toString() !== key.arn) throw invalid(); // IncorrectKeyException
    const at = 2 + arnLength;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.material, blob.subarray(at, at + 12));
      decipher.setAAD(aad(context));
      decipher.setAuthTag(blob.subarray(blob.length - 16));
      return new Uint8Array(
        Buffer.concat([decipher.update(blob.subarray(at + 12, blob.length - 16)), decipher.final()]),
      );
    } catch {
      throw invalid();
    }
  }
}

/** The context as KMS authenticates it: order-independent. */
function aad(context: EncryptionContext): Buffer {
  return Buffer.from(JSON.stringify(Object.entries(context).sort(([a], [b]) => (a < b ? -1 : 1))));
}
