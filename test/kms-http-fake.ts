import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MemoryKeyManagement } from '../lambdas/adapters/memory/memory-key-management';
import { type KeyErrorReason, KeyManagementError } from '../lambdas/ports/key-management';

/** The KMS error type the fake answers for each refusal, as real KMS names them. */
const ERROR_TYPES: Record<KeyErrorReason, string> = {
  'access-denied': 'AccessDeniedException',
  'not-found': 'NotFoundException',
  disabled: 'DisabledException',
  'invalid-ciphertext': 'InvalidCiphertextException',
  'no-credentials': 'UnrecognizedClientException',
  other: 'KMSInternalException',
};

/** A loopback KMS HTTP endpoint. */
export interface FakeKmsEndpoint {
  /** `http://127.0.0.1:<port>`, for AWS_ENDPOINT_URL_KMS or a client's `endpoint`. */
  readonly url: string;
  /** The X-Amz-Target of every request, in order. */
  readonly targets: string[];
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const parts: Buffer[] = [];
  for await (const p of req) parts.push(p as Buffer);
  return JSON.parse(Buffer.concat(parts).toString() || '{}') as Record<string, unknown>;
}

/**
 * Serves KMS's JSON protocol (awsJson1_1, `TrentService.GenerateDataKey` and `TrentService.Decrypt`)
 * on 127.0.0.1 from a {@link MemoryKeyManagement}, so the real SDK client, and the real `bulkhead`
 * bin in a child process, talk to a KMS without leaving the machine. Signatures are not checked.
 */
export async function startFakeKms(kms: MemoryKeyManagement): Promise<FakeKmsEndpoint> {
  const targets: string[] = [];
  const server = createServer(async (req, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    targets.push(target);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(body));
    };
    try {
      const body = await readJson(req);
      const context = (body.EncryptionContext ?? {}) as Record<string, string>;
      if (target === 'TrentService.GenerateDataKey') {
        const dk = await kms.generateDataKey(String(body.KeyId), context);
        send(200, {
          CiphertextBlob: Buffer.from(dk.ciphertext).toString('base64'),
          Plaintext: Buffer.from(dk.plaintext).toString('base64'),
          KeyId: dk.keyArn,
        });
      } else if (target === 'TrentService.Decrypt') {
        const keyId = String(body.KeyId);
        const plain = await kms.decrypt(keyId, Buffer.from(String(body.CiphertextBlob), 'base64'), context);
        send(200, { Plaintext: Buffer.from(plain).toString('base64'), KeyId: keyId });
      } else {
        send(400, { __type: 'UnsupportedOperationException', message: `fake KMS lacks ${target}` });
      }
    } catch (error) {
      if (error instanceof KeyManagementError) {
        send(400, { __type: ERROR_TYPES[error.reason], message: `fake: ${error.reason}` });
      } else {
        send(500, { __type: 'KMSInternalException', message: String(error) });
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    targets,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * The environment that points the real `bulkhead` bin at the fake: AWS SDK endpoint and dummy
 * credentials (no metadata service, no real AWS), and no repository, passphrase or key of the
 * caller's own leaking in.
 */
export function cliEnvForFakeKms(endpoint: FakeKmsEndpoint): Record<string, string> {
  return {
    BULKHEAD_REPO: '',
    BULKHEAD_PASSWORD: '',
    BULKHEAD_KMS_KEY: '',
    AWS_ENDPOINT_URL_KMS: endpoint.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}
