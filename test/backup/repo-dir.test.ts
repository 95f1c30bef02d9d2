import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DirObjectStore } from '../../lambdas/adapters/local/dir-object-store';
import { repositorySuite } from './repo-suite';

const roots: string[] = [];
afterAll(async () => {
  for (const r of roots) await fs.rm(r, { recursive: true, force: true });
});

repositorySuite('a local directory', {
  conditional: true,
  async store() {
    const root = await fs.mkdtemp(path.join(tmpdir(), 'bulkhead-repo-'));
    roots.push(root);
    return new DirObjectStore(root);
  },
  cli: (store) => ({ args: ['--repo', (store as DirObjectStore).root], env: {} }),
});
