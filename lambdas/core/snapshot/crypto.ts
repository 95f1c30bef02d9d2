import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';

/**
 * Client-side encryption: AES-256-GCM with a random 32-byte master key per repository, wrapped by a
 * key derived from a passphrase with scrypt. Sealed bytes are nonce (12) ‖ ciphertext ‖ tag (16).
 */
export interface EncryptionConfig {
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

function deriveKey(passphrase: string, kdf: EncryptionConfig['kdf']): Promise<Buffer> {
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
): Promise<{ config: EncryptionConfig; key: Uint8Array }> {
  const kdf = { name: 'scrypt' as const, N: 2 ** 15, r: 8, p: 1, salt: randomBytes(16).toString('base64') };
  const key = randomBytes(32);
  const wrapped = seal(await deriveKey(passphrase, kdf), key);
  return { config: { cipher: 'aes-256-gcm', kdf, wrappedKey: Buffer.from(wrapped).toString('base64') }, key };
}

/** Unwraps the master key; a wrong passphrase fails GCM authentication. */
export async function openEncryption(config: EncryptionConfig, passphrase: string): Promise<Uint8Array> {
  const kek = await deriveKey(passphrase, config.kdf);
  return unseal(kek, Buffer.from(config.wrappedKey, 'base64'), 'the repository key');
}
