import type { Command } from 'commander';
import { registerBackup } from './backup';
import { registerForget } from './forget';
import { registerInit } from './init';
import { registerPrune } from './prune';
import { registerRestore } from './restore';
import { registerSnapshots } from './snapshots';
import { registerVerify } from './verify';

/** Each backup command's name and its register function: the one list of them. */
const REGISTER_BY_NAME: Readonly<Record<string, (program: Command) => void>> = {
  init: registerInit,
  backup: registerBackup,
  snapshots: registerSnapshots,
  restore: registerRestore,
  verify: registerVerify,
  forget: registerForget,
  prune: registerPrune,
};

/** Names of the backup commands: `cli/main.ts` loads only these modules when one of them runs. */
export const BACKUP_COMMANDS: readonly string[] = Object.keys(REGISTER_BY_NAME);

/** Registers init, backup, snapshots, restore, verify, forget and prune. */
export function registerBackupCommands(program: Command): void {
  for (const register of Object.values(REGISTER_BY_NAME)) register(program);
}
