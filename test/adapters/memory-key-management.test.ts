import { MemoryKeyManagement } from '../../lambdas/adapters/memory/memory-key-management';
import { KeyManagementError } from '../../lambdas/ports/key-management';

const CONTEXT = { 'bulkhead:repository': 'r1' };

describe('MemoryKeyManagement (the fake KMS the repository tests use)', () => {
  test('GIVEN a data key WHEN decrypted with the same key and context (by ARN, key ID or alias) THEN the plaintext comes back', async () => {
    const kms = new MemoryKeyManagement();
    const arn = kms.createKey('alias/backup');
    const dk = await kms.generateDataKey('alias/backup', CONTEXT);
    expect(dk.keyArn).toBe(arn);
    expect(dk.plaintext).toHaveLength(32);
    expect(Buffer.from(dk.ciphertext).includes(Buffer.from(dk.plaintext))).toBe(false);
    expect(await kms.decrypt(arn, dk.ciphertext, CONTEXT)).toEqual(dk.plaintext);
    expect(await kms.decrypt(arn.slice(arn.indexOf('key/') + 4), dk.ciphertext, CONTEXT)).toEqual(
      dk.plaintext,
    );
    expect(
      await kms.decrypt('arn:aws:kms:us-east-1:111122223333:alias/backup', dk.ciphertext, { ...CONTEXT }),
    ).toEqual(dk.plaintext);
  });

  test.each([
    [
      'another context',
      (_k: MemoryKeyManagement, arn: string) => ({ keyId: arn, context: { 'bulkhead:repository': 'r2' } }),
      'invalid-ciphertext',
    ],
    [
      'no context',
      (_k: MemoryKeyManagement, arn: string) => ({ keyId: arn, context: {} }),
      'invalid-ciphertext',
    ],
    [
      'another key',
      (k: MemoryKeyManagement) => ({ keyId: k.createKey(), context: CONTEXT }),
      'invalid-ciphertext',
    ],
    ['an unknown key', () => ({ keyId: 'alias/nope', context: CONTEXT }), 'not-found'],
  ])('GIVEN a data key WHEN decrypted with %s THEN KeyManagementError', async (_what, call, reason) => {
    const kms = new MemoryKeyManagement();
    const arn = kms.createKey();
    const dk = await kms.generateDataKey(arn, CONTEXT);
    const { keyId, context } = call(kms, arn);
    await expect(kms.decrypt(keyId, dk.ciphertext, context)).rejects.toMatchObject({ reason });
  });

  test('GIVEN Decrypt denied or the key disabled THEN access-denied, then disabled; allowed and enabled again THEN it works', async () => {
    const kms = new MemoryKeyManagement();
    const arn = kms.createKey();
    const dk = await kms.generateDataKey(arn, CONTEXT);
    kms.deny('Decrypt');
    const denied = await kms.decrypt(arn, dk.ciphertext, CONTEXT).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(KeyManagementError);
    expect(denied).toMatchObject({ reason: 'access-denied', operation: 'Decrypt', keyId: arn });
    kms.allow('Decrypt');
    kms.setEnabled(arn, false);
    await expect(kms.generateDataKey(arn, CONTEXT)).rejects.toMatchObject({ reason: 'disabled' });
    kms.setEnabled(arn, true);
    expect(await kms.decrypt(arn, dk.ciphertext, CONTEXT)).toEqual(dk.plaintext);
    expect(kms.calls.map((c) => c.operation)).toEqual([
      'GenerateDataKey',
      'Decrypt',
      'GenerateDataKey',
      'Decrypt',
    ]);
  });
});
