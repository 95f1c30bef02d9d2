import type { Command } from 'commander';
import { registerAvailability } from './availability';
import { registerDrill } from './drill';
import { registerPause, registerResume } from './pause';

/**
 * Every CLI command registers itself here, one line each, so `cli/main.ts` never changes when a
 * command is added.
 */
export function registerCommands(program: Command): void {
  registerAvailability(program);
  registerDrill(program);
  registerPause(program);
  registerResume(program);
}
