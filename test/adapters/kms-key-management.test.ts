import {
  DecryptCommand,
  GenerateDataKeyCommand,
  InvalidCiphertextException,
  KMSClient,
  KMSServiceException,
  NotFoundException,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { KmsKeyManagement, kmsArnRegion } from '../../lambdas/adapters/aws/kms-key-management';
import { MemoryKeyManagement } from '../../lambdas/adapters/memory/memory-key-management';
import { KeyManagementError } from '../../lambdas/ports/key-management';
import { type FakeKmsEndpoint, startFakeKms } from '../kms-http-fake';

const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const CONTEXT = { 'bulkhead:repository': 'repo-1' };

function serviceError(name: string, message: string): KMSServiceException {
  return new KMSServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message });
}

describe('KmsKeyManagement (aws-sdk-client-mock)', () => {
  const kms = mockClient(KMSClient);
  const regions: (string | undefined)[] = [];
  const keys = new KmsKeyManagement({
    clientFor: (region) => {
      regions.push(region);
      return new KMSClient({ region: region ?? 'us-east-1' });
    },
  });
  beforeEach(() => kms.reset());
  afterAll(() => kms.restore());

  test('GIVEN a key ARN WHEN generateDataKey THEN GenerateDataKey asks for AES_256 with the context, in the key ARN region, and returns plaintext, blob and the key ARN', async () => {
    const plaintext = new Uint8Array(32).fill(7);
    const blob = new Uint8Array([1, 2, 3]);
    kms.on(GenerateDataKeyCommand).resolves({ Plaintext: plaintext, CiphertextBlob: blob, KeyId: KEY });
    const got = await keys.generateDataKey(KEY, CONTEXT);
    expect(got).toEqual({ plaintext, ciphertext: blob, keyArn: KEY });
    expect(kms).toHaveReceivedCommandWith(GenerateDataKeyCommand, {
      KeyId: KEY,
      KeySpec: 'AES_256',
      EncryptionContext: CONTEXT,
    });
    expect(kms.commandCalls(GenerateDataKeyCommand)[0].args[0].input).not.toHaveProperty('NumberOfBytes');
    expect(regions).toContain('eu-west-1');
  });

  test('GIVEN an alias WHEN generateDataKey THEN the alias goes to KMS as is and the resolved key ARN comes back', async () => {
    kms.on(GenerateDataKeyCommand).resolves({
      Plaintext: new Uint8Array(32),
      CiphertextBlob: new Uint8Array([9]),
      KeyId: KEY,
    });
    const got = await keys.generateDataKey('alias/bulkhead-backup', CONTEXT);
    expect(got.keyArn).toBe(KEY);
    expect(kms).toHaveReceivedCommandWith(GenerateDataKeyCommand, { KeyId: 'alias/bulkhead-backup' });
    expect(regions).toContain(undefined); // the SDK's region chain
  });

  test('GIVEN a stored blob WHEN decrypt THEN Decrypt carries the blob, the KeyId and the context', async () => {
    const blob = new Uint8Array([4, 5, 6]);
    const plaintext = new Uint8Array(32).fill(1);
    kms.on(DecryptCommand).resolves({ Plaintext: plaintext, KeyId: KEY });
    expect(await keys.decrypt(KEY, blob, CONTEXT)).toEqual(plaintext);
    expect(kms).toHaveReceivedCommandTimes(DecryptCommand, 1);
    expect(kms).toHaveReceivedCommandWith(DecryptCommand, {
      KeyId: KEY,
      CiphertextBlob: blob,
      EncryptionContext: CONTEXT,
    });
  });

  test.each([
    [
      'AccessDeniedException',
      () =>
        serviceError(
          'AccessDeniedException',
          `User: arn:aws:sts::111122223333:assumed-role/ops is not authorized to perform: kms:Decrypt on resource: ${KEY}`,
        ),
      'access-denied',
      /KMS denied kms:Decrypt on key arn:aws:kms:eu-west-1:111122223333:key\/1234abcd.*needs kms:Decrypt on this key/,
    ],
    [
      'NotFoundException',
      () => new NotFoundException({ $metadata: {}, message: 'Key not found' }),
      'not-found',
      /KMS key arn:aws:kms:eu-west-1.* was not found/,
    ],
    [
      'InvalidCiphertextException',
      () => new InvalidCiphertextException({ $metadata: {}, message: '' }),
      'invalid-ciphertext',
      /could not decrypt the repository key/,
    ],
    [
      'ThrottlingException',
      () => serviceError('ThrottlingException', 'Rate exceeded'),
      'other',
      /KMS kms:Decrypt on key .* failed \(ThrottlingException: Rate exceeded\)/,
    ],
  ])(
    'GIVEN KMS answers %s WHEN decrypt THEN a KeyManagementError (%#) naming the key',
    async (_name, error, reason, message) => {
      kms.on(DecryptCommand).rejects(error());
      const got = await keys.decrypt(KEY, new Uint8Array([1]), CONTEXT).catch((e: unknown) => e);
      expect(got).toBeInstanceOf(KeyManagementError);
      expect(got).toMatchObject({ keyId: KEY, operation: 'Decrypt', reason });
      expect((got as Error).message).toMatch(message);
    },
  );

  test('GIVEN GenerateDataKey denied WHEN generateDataKey THEN the error names kms:GenerateDataKey and the key', async () => {
    kms.on(GenerateDataKeyCommand).rejects(serviceError('AccessDeniedException', 'not authorized'));
    await expect(keys.generateDataKey('alias/x', CONTEXT)).rejects.toThrow(
      /KMS denied kms:GenerateDataKey on key alias\/x/,
    );
  });

  test('GIVEN a response without a data key WHEN generateDataKey THEN it fails instead of using a short key', async () => {
    kms
      .on(GenerateDataKeyCommand)
      .resolves({ Plaintext: new Uint8Array(16), CiphertextBlob: new Uint8Array([1]), KeyId: KEY });
    await expect(keys.generateDataKey(KEY, CONTEXT)).rejects.toThrow(/lacks a 32-byte data key/);
  });

  test.each([
    [KEY, 'eu-west-1'],
    ['arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/a', 'us-gov-west-1'],
    ['alias/a', undefined],
    ['1234abcd-12ab-34cd-56ef-1234567890ab', undefined],
  ])('kmsArnRegion(%s) is %s', (keyId, region) => {
    expect(kmsArnRegion(keyId)).toBe(region);
  });
});

describe('KmsKeyManagement with the real SDK client against a loopback KMS protocol fake', () => {
  let endpoint: FakeKmsEndpoint;
  const fake = new MemoryKeyManagement('eu-west-1');
  const arn = fake.createKey('alias/loop');
  const keys = new KmsKeyManagement({
    clientFor: (region) =>
      new KMSClient({
        region: region ?? 'eu-west-1',
        endpoint: endpoint.url,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      }),
  });
  beforeAll(async () => {
    endpoint = await startFakeKms(fake);
  });
  afterAll(async () => {
    await endpoint.close();
  });

  test('GIVEN an alias WHEN generateDataKey then decrypt over HTTP THEN the same 32 bytes come back and the key ARN resolves', async () => {
    const dk = await keys.generateDataKey('alias/loop', CONTEXT);
    expect(dk.keyArn).toBe(arn);
    expect(await keys.decrypt(dk.keyArn, dk.ciphertext, CONTEXT)).toEqual(dk.plaintext);
    await expect(
      keys.decrypt(dk.keyArn, dk.ciphertext, { 'bulkhead:repository': 'other' }),
    ).rejects.toMatchObject({
      reason: 'invalid-ciphertext',
    });
    expect(endpoint.targets).toEqual([
      'TrentService.GenerateDataKey',
      'TrentService.Decrypt',
      'TrentService.Decrypt',
    ]);
  });

  test('GIVEN Decrypt denied by KMS WHEN decrypt over HTTP THEN AccessDeniedException parses to access-denied naming the key', async () => {
    const dk = await keys.generateDataKey(arn, CONTEXT);
    fake.deny('Decrypt');
    try {
      await expect(keys.decrypt(arn, dk.ciphertext, CONTEXT)).rejects.toMatchObject({
        reason: 'access-denied',
        keyId: arn,
        message: expect.stringContaining(`KMS denied kms:Decrypt on key ${arn}`),
      });
    } finally {
      fake.allow('Decrypt');
    }
  });
});
