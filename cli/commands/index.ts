import type { Command } from 'commander';

/**
 * Every CLI command registers itself here, one line each, so `cli/main.ts` never changes when a
 * command is added.
 */
export function registerCommands(_program: Command): void {}
