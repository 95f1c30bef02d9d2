import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FetchUrlProbe } from '../../lambdas/adapters/http/fetch-url-probe';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/slow') return void setTimeout(() => res.end('late'), 500);
    res.statusCode = req.url === '/boom' ? 503 : req.url === '/missing' ? 404 : 200;
    res.end('x');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('FetchUrlProbe on loopback', () => {
  test.each([
    ['/', true, 200],
    ['/missing', true, 404],
    ['/boom', false, 503],
  ])('GIVEN %s WHEN probed THEN ok=%p with status %p', async (path, ok, status) => {
    const result = await new FetchUrlProbe().get(`${base}${path}`, 2000);
    expect(result).toMatchObject({ ok, status });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
  });

  test('GIVEN a server slower than the timeout WHEN probed THEN it fails with the timeout named', async () => {
    const result = await new FetchUrlProbe().get(`${base}/slow`, 100);
    expect(result).toMatchObject({ ok: false, error: 'timeout after 100 ms' });
  });

  test('GIVEN nothing listening WHEN probed THEN it fails with the network error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await new FetchUrlProbe().get(`http://127.0.0.1:${port}/`, 1000);
    expect(result.ok).toBe(false);
    expect(result.status).toBeUndefined();
    expect(result.error).toMatch(/TypeError|fetch failed/);
  });
});
