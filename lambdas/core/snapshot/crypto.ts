import { createCipheriv, createDecipheriv, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { EncryptionContext, KeyManagement } from '../../ports/key-management';

/**
 * Client-side encryption: AES-256-GCM with a 32-byte master key per repository. The master key comes
 * from one of two sources, recorded in the repository config:
 * - a passphrase: a random key wrapped by a key derived with scrypt ({@link PassphraseEncryption});
 * - KMS (envelope encryption): a data key from KMS GenerateDataKey, of which only the encrypted
 *   copy is stored, bound to the repository by its encryption context ({@link KmsEncryption}).
 * Sealed bytes are nonce (12) ‖ ciphertext ‖ tag (16).
 */
export type EncryptionConfig = PassphraseEncryption | KmsEncryption;

/** The master key wrapped by a passphrase (the original format: its fields are unchanged). */
export interface PassphraseEncryption {
  readonly cipher: 'aes-256-gcm';
  readonly kdf: {
    readonly name: 'scrypt';
    readonly N: number;
    readonly r: number;
    readonly p: number;
    readonly salt: string;
  };
  /** The master key sealed with the passphrase key (base64). */
  readonly wrappedKey: string;
}

/** The master key is a KMS data key; the config holds only its encrypted copy. */
export interface KmsEncryption {
  readonly cipher: 'aes-256-gcm';
  readonly kms: {
    /** ARN of the KMS key that encrypted the data key (an alias given at init resolved to it). */
    readonly keyArn: string;
    /** KMS's CiphertextBlob of the data key (base64); KMS Decrypt with {@link kmsContext} opens it. */
    readonly encryptedKey: string;
  };
}

/** Is this a KMS-keyed repository? */
export function isKmsEncryption(e: EncryptionConfig | undefined): e is KmsEncryption {
  return e !== undefined && 'kms' in e;
}

/**
 * The KMS encryption context of a repository's data key: it binds the key to the repository ID, so a
 * key copied from another repository's config does not decrypt, and CloudTrail shows which
 * repository each Decrypt was for. IAM conditions can match it (`kms:EncryptionContext:<name>`).
 */
export function kmsContext(repositoryId: string): EncryptionContext {
  return { [KMS_CONTEXT_KEY]: repositoryId };
}

/** The encryption context key naming the repository. */
export const KMS_CONTEXT_KEY = 'bulkhead:repository';

const NONCE = 12;
const TAG = 16;

/** Raised for a wrong passphrase or tampered data: GCM authentication failed. */
export class DecryptionError extends Error {
  constructor(what: string) {
    super(`cannot decrypt ${what}: wrong passphrase, or the data was altered`);
    this.name = 'DecryptionError';
  }
}

/** Encrypts with a fresh random nonce. */
export function seal(key: Uint8Array, data: Uint8Array): Uint8Array {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const body = cipher.update(data);
  const final = cipher.final();
  const tag = cipher.getAuthTag();
  const out = new Uint8Array(NONCE + body.length + final.length + TAG);
  out.set(nonce, 0);
  out.set(body, NONCE);
  out.set(final, NONCE + body.length);
  out.set(tag, out.length - TAG);
  return out;
}

/** Decrypts and authenticates {@link seal}'s output. */
export function unseal(key: Uint8Array, sealed: Uint8Array, what: string): Uint8Array {
  if (sealed.length < NONCE + TAG) throw new DecryptionError(what);
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
  try {
    const body = decipher.update(sealed.subarray(NONCE, sealed.length - TAG));
    const final = decipher.final();
    return final.length === 0 ? new Uint8Array(body) : new Uint8Array(Buffer.concat([body, final]));
  } catch {
    throw new DecryptionError(what);
  }
}

function deriveKey(passphrase: string, kdf: PassphraseEncryption['kdf']): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      passphrase,
      Buffer.from(kdf.salt, 'base64'),
      32,
      { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.N * kdf.r },
      (e, k) => (e ? reject(e) : resolve(k)),
    ),
  );
}

/** A new master key and the config that stores it wrapped by `passphrase`. */
export async function newEncryption(
  passphrase: string,
): Promise<{ config: PassphraseEncryption; key: Uint8Array }> {
  const kdf = { name: 'scrypt' as const, N: 2 ** 15, r: 8, p: 1, salt: randomBytes(16).toString('base64') };
  const key = randomBytes(32);
  const wrapped = seal(await deriveKey(passphrase, kdf), key);
  return { config: { cipher: 'aes-256-gcm', kdf, wrappedKey: Buffer.from(wrapped).toString('base64') }, key };
}

/** Unwraps the master key; a wrong passphrase fails GCM authentication. */
export async function openEncryption(config: PassphraseEncryption, passphrase: string): Promise<Uint8Array> {
  const kek = await deriveKey(passphrase, config.kdf);
  return unseal(kek, Buffer.from(config.wrappedKey, 'base64'), 'the repository key');
}

/**
 * A new master key from KMS: one GenerateDataKey (AES_256) under `keyId`, bound to the repository
 * ID, then one Decrypt of the blob, so a caller that could create the key but never open it again
 * (no kms:Decrypt) fails here, before anything is written. Only the encrypted copy goes into the config.
 */
export async function newKmsEncryption(
  kms: KeyManagement,
  keyId: string,
  repositoryId: string,
): Promise<{ config: KmsEncryption; key: Uint8Array }> {
  const context = kmsContext(repositoryId);
  const dataKey = await kms.generateDataKey(keyId, context);
  const check = await kms.decrypt(dataKey.keyArn, dataKey.ciphertext, context);
  if (check.length !== 32 || !timingSafeEqual(check, dataKey.plaintext)) {
    throw new DecryptionError('the new KMS data key (Decrypt returned another key)');
  }
  const encryptedKey = Buffer.from(dataKey.ciphertext).toString('base64');
  return {
    config: { cipher: 'aes-256-gcm', kms: { keyArn: dataKey.keyArn, encryptedKey } },
    key: dataKey.plaintext,
  };
}

/** Decrypts the master key of a KMS-keyed repository with KMS (needs kms:Decrypt on its key). */
export async function openKmsEncryption(
  config: KmsEncryption,
  kms: KeyManagement,
  repositoryId: string,
): Promise<Uint8Array> {
  const key = await kms.decrypt(
    config.kms.keyArn,
    Buffer.from(config.kms.encryptedKey, 'base64'),
    kmsContext(repositoryId),
  );
  if (key.length !== 32) throw new DecryptionError(`the repository key (KMS returned ${key.length} bytes)`);
  return key;
}
