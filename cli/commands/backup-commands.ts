import type { Command } from 'commander';
import { registerBackup } from './backup';
import { registerForget } from './forget';
import { registerInit } from './init';
import { registerPrune } from './prune';
import { registerRestore } from './restore';
import { registerSnapshots } from './snapshots';
import { registerVerify } from './verify';

/** Names of the backup commands: `cli/main.ts` loads only these modules when one of them runs. */
export const BACKUP_COMMANDS: readonly string[] = [
  'init',
  'backup',
  'snapshots',
  'restore',
  'verify',
  'forget',
  'prune',
];

/** Registers init, backup, snapshots, restore, verify, forget and prune. */
export function registerBackupCommands(program: Command): void {
  registerInit(program);
  registerBackup(program);
  registerSnapshots(program);
  registerRestore(program);
  registerVerify(program);
  registerForget(program);
  registerPrune(program);
}
