import { Command } from 'commander';
import { registerCommands } from './commands';

/** Builds the `bulkhead` program; exported so tests can run commands in-process. */
export function buildProgram(): Command {
  const program = new Command('bulkhead')
    .description('Keeps a containerized web service available on AWS, and proves it.')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: true });
  registerCommands(program);
  return program;
}

/** Entry point of the `bulkhead` bin. */
export async function main(argv: readonly string[]): Promise<void> {
  await buildProgram().parseAsync([...argv]);
}
