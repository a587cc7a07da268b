/**
 * The `convoy` command line: the cluster's own commands. The traffic commands (collect, lake, plan, tune,
 * model) are added by bin/convoy.mjs from tasks/, which may use the cluster but not the other way round.
 */
import { Command, CommanderError } from 'commander';
import { registerActors } from './commands/actors.ts';
import { registerPlacementGroups } from './commands/placement-groups.ts';
import { registerDrain } from './commands/drain.ts';
import { registerJob } from './commands/job.ts';
import { registerLogs } from './commands/logs.ts';
import { registerHistory } from './commands/history.ts';
import { registerMemory } from './commands/memory.ts';
import { registerStart } from './commands/start.ts';
import { registerStatus } from './commands/status.ts';
import { registerStop } from './commands/stop.ts';
import { registerTasks } from './commands/tasks.ts';
import { registerTimeline } from './commands/timeline.ts';
import { VERSION } from '../common/version.ts';
import { grpcFailureDetail, isGrpcStatusError, UsageError } from '../common/errors.ts';

export function buildProgram(): Command {
  const program = new Command('convoy')
    .description('Convoy: a Ray-style task cluster for Node.js')
    .version(VERSION)
    .showHelpAfterError(false);
  registerStart(program);
  registerStop(program);
  registerStatus(program);
  registerDrain(program);
  registerJob(program);
  registerLogs(program);
  registerMemory(program);
  registerHistory(program);
  registerTasks(program);
  registerActors(program);
  registerPlacementGroups(program);
  registerTimeline(program);
  return program;
}

/**
 * Commander's codes for a command line it cannot parse: unknown option or command, a missing argument or
 * required option, a value an option's parser refused (InvalidArgumentError), too many arguments.
 */
const USAGE_CODES = new Set([
  'commander.unknownOption',
  'commander.unknownCommand',
  'commander.missingArgument',
  'commander.optionMissingArgument',
  'commander.missingMandatoryOptionValue',
  'commander.invalidArgument',
  'commander.excessArguments',
  'commander.conflictingOption',
  // A command that needs a subcommand, given none: its help goes to stderr.
  'commander.help',
]);

/** Exit status of a usage error, as in BSD's sysexits and most CLIs (commander's own default is 1). */
export const USAGE_EXIT_CODE = 2;

function allCommands(c: Command): Command[] {
  return [c, ...c.commands.flatMap(allCommands)];
}

function commandPath(c: Command): string {
  const names: string[] = [];
  for (let x: Command | null = c; x; x = x.parent) names.unshift(x.name());
  return names.join(' ');
}

/** Every line of a message as its own `convoy: …` line (a collection that failed for two reasons says both). */
function printError(message: string): void {
  for (const line of message.split('\n').filter((l) => l.trim() !== '')) console.error(`convoy: ${line}`);
}

/**
 * Runs the CLI. A failure prints one line `convoy: …` naming the problem (the stack only with CONVOY_DEBUG=1)
 * and sets the exit status: 2 for a usage error (commander's, or a UsageError from validation after parsing),
 * 1 for anything else.
 */
export async function runCli(program: Command, argv = process.argv): Promise<void> {
  // `convoy … | head` closes the pipe early: that ends the output, it is not an error to print a stack for.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  // Subcommands copy these settings when they are created, and the traffic commands are added after
  // buildProgram: set them on every command, so a subcommand's parse error reaches the catch below instead
  // of commander's own process.exit(1).
  for (const c of allCommands(program)) {
    c.exitOverride();
    c.showHelpAfterError(false);
    c.configureOutput({
      outputError: (text, write) => write(`convoy: ${text.trim().replace(/^error: /, '')} (see ${commandPath(c)} --help)\n`),
    });
  }
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed its message already (through outputError above); help and --version exit 0.
      process.exitCode = USAGE_CODES.has(err.code) ? USAGE_EXIT_CODE : err.exitCode;
      return;
    }
    const e = err as Error;
    printError(isGrpcStatusError(e) ? `the cluster: ${grpcFailureDetail(e)}` : (e?.message ?? String(err)));
    if (process.env.CONVOY_DEBUG === '1') console.error(e?.stack);
    process.exitCode = e instanceof UsageError ? USAGE_EXIT_CODE : 1;
  }
}
