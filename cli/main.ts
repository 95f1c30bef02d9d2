import { Command } from 'commander';
import { BACKUP_COMMANDS, registerBackupCommands } from './commands/backup-commands';

/**
 * Builds the `bulkhead` program; exported so tests can run commands in-process. With `only:
 * 'backup'`, just the backup commands are loaded: every other command's modules (the simulator,
 * zod schemas, ...) cost ~0.4 s of start-up that `bulkhead backup` would otherwise pay on each run.
 */
export function buildProgram(only?: 'backup'): Command {
  const program = new Command('bulkhead')
    .description('Keeps a containerized web service available on AWS, and proves it.')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: true });
  if (only === 'backup') registerBackupCommands(program);
  else (require('./commands') as typeof import('./commands')).registerCommands(program);
  return program;
}

/** Entry point of the `bulkhead` bin. */
export async function main(argv: readonly string[]): Promise<void> {
  const command = argv[2];
  await buildProgram(
    command !== undefined && BACKUP_COMMANDS.includes(command) ? 'backup' : undefined,
  ).parseAsync([...argv]);
}
