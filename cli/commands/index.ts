import type { Command } from 'commander';
import { registerAvailability } from './availability';
import { registerBackup } from './backup';
import { registerDrill } from './drill';
import { registerForget } from './forget';
import { registerInvoke } from './invoke';
import { registerPause, registerResume } from './pause';
import { registerPrune } from './prune';
import { registerRestore } from './restore';
import { registerSnapshots } from './snapshots';
import { registerStatus } from './status';
import { registerVerify } from './verify';

/**
 * Every CLI command registers itself here, one line each, so `cli/main.ts` never changes when a
 * command is added.
 */
export function registerCommands(program: Command): void {
  registerAvailability(program);
  registerDrill(program);
  registerInvoke(program);
  registerStatus(program);
  registerPause(program);
  registerResume(program);
  registerBackup(program);
  registerSnapshots(program);
  registerRestore(program);
  registerVerify(program);
  registerForget(program);
  registerPrune(program);
}
