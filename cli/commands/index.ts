import type { Command } from 'commander';
import { registerAvailability } from './availability';
import { registerBackupCommands } from './backup-commands';
import { registerDrill } from './drill';
import { registerInvoke } from './invoke';
import { registerPause, registerResume } from './pause';
import { registerStatus } from './status';

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
  registerBackupCommands(program);
}
