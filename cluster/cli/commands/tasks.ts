/**
 * `convoy tasks [--state S] [--name F] [--job ID] [--limit N] [--json]`: the newest task attempts in the
 * head's task log, as `ray list tasks` lists them; failures with their error.
 */
import type { Command } from 'commander';
import { TASK_LOG_STATES, type TaskPage } from '../../api/head-api.ts';
import { UsageError } from '../../common/errors.ts';
import { api, resolveTarget } from '../context.ts';
import { table } from '../format.ts';

interface TasksFlags {
  address?: string;
  tokenFile?: string;
  state?: string;
  name?: string;
  job?: string;
  limit: string;
  json?: boolean;
}

export function registerTasks(program: Command): void {
  program
    .command('tasks')
    .description("list the newest tasks the head keeps (state, function, node, run time; a failure's error)")
    .option('--address <addr>', 'head address (gRPC host:port or http://host:8265)')
    .option('--token-file <path>', 'cluster token file')
    .option('--state <state>', `only tasks in this state: ${TASK_LOG_STATES.join(', ')}`)
    .option('--name <function>', 'only tasks of this function (export name, or Class.method)')
    .option('--job <jobId>', "only this job's tasks")
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print the page as JSON')
    .action(async (flags: TasksFlags) => {
      if (flags.state !== undefined && !(TASK_LOG_STATES as readonly string[]).includes(flags.state)) {
        throw new UsageError(`--state must be one of ${TASK_LOG_STATES.join(', ')}, got "${flags.state}"`);
      }
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError(`--limit must be a whole number from 1 to 1000, got "${flags.limit}"`);
      const q = new URLSearchParams({ limit: String(limit) });
      if (flags.state) q.set('state', flags.state);
      if (flags.name) q.set('name', flags.name);
      if (flags.job !== undefined) q.set('job', flags.job);
      const page = await api<TaskPage>(resolveTarget(flags), 'GET', `/api/tasks?${q}`);
      if (flags.json) return console.log(JSON.stringify(page, null, 2));
      console.log(`${page.matching} matching task(s) of ${page.kept} kept (the log keeps ${page.limit}; ${page.dropped} dropped so far)`);
      if (!page.tasks.length) return;
      console.log(
        table(
          ['task', 'function', 'state', 'job', 'node', 'attempt', 'ran', 'error'],
          page.tasks.map((t) => [
            t.taskId,
            t.name,
            t.state,
            t.jobId || '-',
            t.nodeId || '-',
            t.attempt,
            t.startedAt !== undefined && t.endedAt !== undefined ? `${((t.endedAt - t.startedAt) / 1000).toFixed(3)} s` : '-',
            t.error ? t.error.split('\n')[0]!.slice(0, 80) : '',
          ]),
        ),
      );
    });
}
