import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Prng } from '../../lambdas/adapters/sim/prng';
import type { Integration } from './bindings';

/** What happened to the data volume in a run. */
export interface VolumeOutcome {
  readonly files: number;
  readonly bytes: number;
  readonly backedUp: boolean;
  readonly deleted?: string;
  readonly restored: boolean;
  /** SHA-256 of the file before deletion and after restore (equal when byte-identical). */
  readonly sha256Before?: string;
  readonly sha256After?: string;
  readonly byteIdentical: boolean;
  readonly note: string;
}

/**
 * The service's data volume as a local directory of generated files (seeded, so every run has the
 * same bytes), plus the drill's view of its backups.
 */
export class VolumeUnderTest {
  private backedUp = false;
  private deleted: string | undefined;
  private restored = false;
  private before: string | undefined;
  private after: string | undefined;
  private note = 'no file was deleted';
  private bytes = 0;

  private constructor(
    readonly dir: string,
    readonly repoDir: string,
    private readonly files: number,
    readonly repo: string | undefined,
  ) {}

  /** Creates the volume directory under `workDir/<mode>/volume` with `files` generated files. */
  static async create(
    workDir: string,
    mode: string,
    seed: number,
    files: number,
    repo?: string,
  ): Promise<VolumeUnderTest> {
    const dir = path.join(workDir, mode, 'volume');
    const repoDir = path.join(workDir, mode, 'repo');
    await rm(path.join(workDir, mode), { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const v = new VolumeUnderTest(dir, repoDir, files, repo);
    const rng = new Prng(seed).fork('volume');
    for (let i = 0; i < files; i++) {
      const rel = `orders/${2020 + (i % 6)}/ledger-${String(i).padStart(4, '0')}.json`;
      const lines = Array.from({ length: 20 + (rng.nextUint32() % 200) }, (_, k) =>
        JSON.stringify({ id: `${i}-${k}`, amount: rng.nextUint32() % 100_000, note: rng.hex(24) }),
      );
      const body = `${lines.join('\n')}\n`;
      await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
      await writeFile(path.join(dir, rel), body);
      v.bytes += Buffer.byteLength(body);
    }
    return v;
  }

  /** Takes a backup with Bulkhead's backup function; the baseline has none. */
  async backup(
    mode: string,
    integration: readonly Integration[],
  ): Promise<{ actor: string; summary: string }> {
    if (mode === 'baseline') return { actor: 'drill', summary: 'plain ECS takes no backup of the volume' };
    const fn = integration.find((i) => i.function === 'volume-backup');
    return {
      actor: 'drill',
      summary: `no backup taken: volume-backup ${fn?.status ?? 'absent'} (${fn?.note ?? ''})`,
    };
  }

  /** Deletes one file of the volume (the fault), remembering its hash. */
  async deleteFile(rel: string): Promise<void> {
    const file = path.join(this.dir, rel);
    try {
      this.before = sha256(await readFile(file));
    } catch (error) {
      throw new Error(
        `delete-file: ${rel} is not a file of the generated volume (${(error as Error).message})`,
      );
    }
    await rm(file);
    this.deleted = rel;
  }

  /** Restores the deleted file from the latest snapshot and compares it byte for byte. */
  async recover(
    rel: string,
    mode: string,
    integration: readonly Integration[],
  ): Promise<{ actor: string; restored: boolean; summary: string }> {
    if (mode === 'baseline') {
      this.note = `${rel} is lost: plain ECS has no backup to restore from`;
      return { actor: 'drill', restored: false, summary: this.note };
    }
    const fn = integration.find((i) => i.function === 'volume-backup');
    this.note = `${rel} not restored: volume-backup ${fn?.status ?? 'absent'} (${fn?.note ?? ''})`;
    return { actor: 'drill', restored: false, summary: this.note };
  }

  /** The outcome for the report. */
  outcome(): VolumeOutcome {
    return {
      files: this.files,
      bytes: this.bytes,
      backedUp: this.backedUp,
      ...(this.deleted ? { deleted: this.deleted } : {}),
      restored: this.restored,
      ...(this.before ? { sha256Before: this.before } : {}),
      ...(this.after ? { sha256After: this.after } : {}),
      byteIdentical: this.restored && this.before !== undefined && this.before === this.after,
      note: this.note,
    };
  }
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
