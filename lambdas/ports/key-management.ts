/**
 * A key management service (AWS KMS) for envelope encryption: it makes data keys and unwraps them,
 * and the customer master key never leaves it. A backup repository stores only the encrypted data
 * key; the plaintext lives in memory while the repository is open.
 */
export interface KeyManagement {
  /**
   * Makes a new 256-bit data key under `keyId` (a key ARN, key ID, alias name or alias ARN), bound
   * to `context` (KMS EncryptionContext: the same map is needed to decrypt it).
   */
  generateDataKey(keyId: string, context: EncryptionContext): Promise<DataKey>;
  /** Decrypts a data key made by {@link generateDataKey} under `keyId` with the same `context`. */
  decrypt(keyId: string, ciphertext: Uint8Array, context: EncryptionContext): Promise<Uint8Array>;
}

/** KMS EncryptionContext: non-secret strings that authenticate a ciphertext (and appear in CloudTrail). */
export type EncryptionContext = Readonly<Record<string, string>>;

/** A data key: the plaintext to use in memory only, and the ciphertext to store. */
export interface DataKey {
  /** 32 bytes; never write these anywhere. */
  readonly plaintext: Uint8Array;
  /** The data key encrypted under the KMS key (KMS's CiphertextBlob). */
  readonly ciphertext: Uint8Array;
  /** The ARN of the key that encrypted it (an alias resolves to its key here). */
  readonly keyArn: string;
}

/** The KMS operations the port uses, as named in IAM (`kms:<operation>`). */
export type KeyOperation = 'GenerateDataKey' | 'Decrypt';

/**
 * Why KMS refused:
 * - `access-denied`: the caller lacks `kms:<operation>` on the key (IAM or key policy), or a
 *   condition on the encryption context did not hold;
 * - `not-found`: no such key or alias in this account and region;
 * - `disabled`: the key is disabled, pending deletion or unavailable;
 * - `invalid-ciphertext`: the stored key was altered, belongs to another key, or the context differs;
 * - `no-credentials`: no AWS credentials or region were found;
 * - `other`: anything else (throttling, network), with KMS's own message.
 */
export type KeyErrorReason =
  | 'access-denied'
  | 'not-found'
  | 'disabled'
  | 'invalid-ciphertext'
  | 'no-credentials'
  | 'other';

/** A KMS call failed; the message names the key, the operation and what to do. */
export class KeyManagementError extends Error {
  constructor(
    readonly keyId: string,
    readonly operation: KeyOperation,
    readonly reason: KeyErrorReason,
    detail?: string,
  ) {
    super(`${keyErrorText(keyId, operation, reason)}${detail ? ` (${detail})` : ''}`);
    this.name = 'KeyManagementError';
  }
}

function keyErrorText(keyId: string, operation: KeyOperation, reason: KeyErrorReason): string {
  const action = `kms:${operation}`;
  switch (reason) {
    case 'access-denied':
      return `KMS denied ${action} on key ${keyId}: the caller needs ${action} on this key (IAM policy and key policy)`;
    case 'not-found':
      return `KMS key ${keyId} was not found (${action}): check the key ARN or alias, the account and the region`;
    case 'disabled':
      return `KMS key ${keyId} is disabled, pending deletion or unavailable (${action})`;
    case 'invalid-ciphertext':
      return `KMS could not decrypt the repository key with key ${keyId}: the stored key was altered or belongs to another repository or key`;
    case 'no-credentials':
      return `no AWS credentials or region for ${action} on key ${keyId}`;
    default:
      return `KMS ${action} on key ${keyId} failed`;
  }
}
