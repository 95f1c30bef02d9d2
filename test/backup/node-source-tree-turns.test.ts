import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NodeSourceTree } from '../../lambdas/adapters/local/node-file-tree';

// The synchronous walk must let the event loop through between turns: the chunk workers' replies
// and the reads queued for them only move then.
let dir: string;
const DIRS = 40;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'bulkhead-turns-'));
  for (let i = 0; i < DIRS; i++) {
    mkdirSync(path.join(dir, `d${i}`));
    writeFileSync(path.join(dir, `d${i}`, 'f'), `file ${i}`);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function scanUntilImmediate(tree: NodeSourceTree): Promise<{ scanned: number; immediateRan: boolean }> {
  let immediateRan = false;
  setImmediate(() => {
    immediateRan = true;
  });
  let scanned = 0;
  for (let i = 0; i < DIRS && !immediateRan; i++) {
    const entries = await (tree.scan as NonNullable<NodeSourceTree['scan']>)(`d${i}`);
    expect(entries.map((e) => [e.name, e.stat?.kind])).toEqual([['f', 'file']]);
    scanned++;
  }
  return { scanned, immediateRan };
}

describe('NodeSourceTree with synchronous metadata', () => {
  test('GIVEN a turn of 0 ms WHEN directories are scanned back to back THEN an immediate queued before runs before the walk ends', async () => {
    const result = await scanUntilImmediate(new NodeSourceTree(dir, { syncMetadata: true, turnMs: 0 }));
    expect(result.immediateRan).toBe(true);
    expect(result.scanned).toBeLessThan(DIRS);
  });

  test('GIVEN many scans waiting at once WHEN each turn is over THEN the event loop gets a turn between any two of them, and all return their entries', async () => {
    const tree = new NodeSourceTree(dir, { syncMetadata: true, turnMs: 0 });
    const scan = tree.scan as NonNullable<NodeSourceTree['scan']>;
    const events: string[] = [];
    let done = false;
    const tick = () => {
      events.push('turn');
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    const all = await Promise.all(
      Array.from({ length: DIRS }, async (_, i) => {
        const entries = await scan(`d${i}`);
        events.push('scan');
        return entries;
      }),
    );
    done = true;
    expect(all.every((entries) => entries.length === 1 && entries[0].name === 'f')).toBe(true);
    expect(events.filter((e) => e === 'scan')).toHaveLength(DIRS);
    // A turn of 0 ms holds one scan: never two scans without a turn between them.
    expect(events.join(' ')).not.toContain('scan scan');
  });

  test('GIVEN a turn longer than the walk WHEN directories are scanned back to back THEN no turn is given up', async () => {
    const tree = new NodeSourceTree(dir, { syncMetadata: true, turnMs: 60_000 });
    const result = await scanUntilImmediate(tree);
    expect(result.immediateRan).toBe(false);
    expect(result.scanned).toBe(DIRS);
  });
});
