/**
 * The `convoy` command line: the cluster's own commands. The traffic commands (collect, lake, plan, tune,
 * model) are added by bin/convoy.mjs from tasks/, which may use the cluster but not the other way round.
 */
import { Command, CommanderError } from 'commander';
import { registerJob } from './commands/job.ts';
import { registerMemory } from './commands/memory.ts';
import { registerStart } from './commands/start.ts';
import { registerStatus } from './commands/status.ts';
import { registerStop } from './commands/stop.ts';
import { VERSION } from '../common/version.ts';

export function buildProgram(): Command {
  const program = new Command('convoy')
    .description('Convoy: a Ray-style task cluster for Node.js')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)');
  registerStart(program);
  registerStop(program);
  registerStatus(program);
  registerJob(program);
  registerMemory(program);
  return program;
}

/** Runs the CLI; errors print as one line naming the problem (the stack only with CONVOY_DEBUG=1). */
export async function runCli(program: Command, argv = process.argv): Promise<void> {
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    const e = err as Error;
    console.error(`convoy: ${e.message}`);
    if (process.env.CONVOY_DEBUG) console.error(e.stack);
    process.exitCode = 1;
  }
}
