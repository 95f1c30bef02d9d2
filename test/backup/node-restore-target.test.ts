import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NodeRestoreTarget, SYNC_WRITE_MAX_BYTES } from '../../lambdas/adapters/local/node-file-tree';
import { prng, randomBytes } from '../seeded-random';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'bulkhead-restore-target-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Writes either side of the synchronous limit take different paths with syncWrites (the thread pool
// above it): the bytes, modes and times must come out the same either way.
describe.each([false, true])('NodeRestoreTarget (syncWrites %s)', (syncWrites) => {
  const small = randomBytes(prng(1), 5000);
  const large = randomBytes(prng(2), SYNC_WRITE_MAX_BYTES + 1);

  test('GIVEN a small and a large whole file WHEN written THEN both read back byte for byte', async () => {
    const root = path.join(dir, `whole-${syncWrites}`);
    const target = new NodeRestoreTarget(root, { syncWrites });
    await target.mkdir('d');
    await target.writeFile('d/small', small);
    await target.writeFile('d/large', large);
    expect(readFileSync(path.join(root, 'd', 'small')).equals(small)).toBe(true);
    expect(readFileSync(path.join(root, 'd', 'large')).equals(large)).toBe(true);
  });

  test('GIVEN a file made of a large and a small piece WHEN written in place (last piece first) THEN it reads back whole, with its mode and mtime', async () => {
    const root = path.join(dir, `pieces-${syncWrites}`);
    const target = new NodeRestoreTarget(root, { syncWrites });
    await target.mkdir('');
    await target.createFile('f', large.length + small.length);
    await target.writeAt('f', small, large.length);
    await target.writeAt('f', large, 0);
    await target.chmod('f', 0o640);
    await target.setMtime('f', '1600000000123456000');
    expect(readFileSync(path.join(root, 'f')).equals(Buffer.concat([large, small]))).toBe(true);
    const st = statSync(path.join(root, 'f'), { bigint: true });
    expect(Number(st.mode & 0o777n)).toBe(0o640);
    expect(st.mtimeNs / 1000n).toBe(1600000000123456n);
  });
});
