import { spawn } from 'node:child_process';
import * as path from 'node:path';

/** The real `bulkhead` bin (commander 15 is ESM-only, so tests run it as a child, not in-process under jest). */
export const BULKHEAD_BIN = path.resolve(__dirname, '..', 'bin', 'bulkhead.cjs');

/** Runs the bin to completion with `env` on top of this process's environment; collects its output. */
export function runBulkhead(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BULKHEAD_BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}
