/**
 * `convoy logs`, as `ray logs`: what logs exist (the head's, each live node's, the jobs'), and the lines of
 * one of them: `head`, `node NODE` (`--tasks`: the output of the tasks that ran there), `job JOB` (the
 * driver's output, as `convoy job logs`), `task TASK` and `actor ACTOR` (what it printed, on whichever nodes
 * it ran). `--tail N` and `--follow` everywhere. The head gathers the lines (head/cluster-logs.ts); ids are
 * checked here first, so a typo is a usage error that says what an id looks like.
 */
import type { Command } from 'commander';
import { UsageError } from '../../common/errors.ts';
import { isLogId, parseTail } from '../../common/log-query.ts';
import { api, httpBase, resolveTarget, type ClusterTarget } from '../context.ts';
import { bytes, table } from '../format.ts';
import { follow as followJob } from './job.ts';
import type { LogListing, TaskLogLine } from '../../api/head-api.ts';

interface Flags {
  address?: string;
  tokenFile?: string;
  tail?: string;
  follow?: boolean;
  json?: boolean;
  tasks?: boolean;
}

const withTarget = (c: Command) =>
  c.option('--address <addr>', 'head address (gRPC host:port or http://host:8265)').option('--token-file <path>', 'cluster token file');
const withLines = (c: Command) =>
  withTarget(c).option('--tail <n>', 'print the last N lines (default 1000)').option('--follow', 'keep printing new lines until interrupted');

function tailOf(flags: Flags): number {
  const tail = parseTail(flags.tail);
  if (typeof tail === 'string') throw new UsageError(`--${tail}`);
  return tail;
}

function checkId(id: string, noun: string, where: string): string {
  if (!isLogId(id)) throw new UsageError(`${JSON.stringify(id)} is not a ${noun} id (letters, digits and . _ : - only): ${where}`);
  return id;
}

/**
 * GETs a log route and hands each non-empty line to `print` as it arrives (empty lines are the head's
 * keepalives during --follow). A refusal is thrown with the head's message, which names the fix.
 */
async function streamLines(t: ClusterTarget, path: string, print: (line: string) => void): Promise<void> {
  const base = await httpBase(t);
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${t.token}` } });
  if (!res.ok || !res.body) {
    const text = await res.text();
    let msg = text.trim();
    try {
      msg = (JSON.parse(text) as { error?: string }).error ?? msg;
    } catch {
      // plain text answer
    }
    throw new Error(res.status === 401 ? `the head at ${base} refused the cluster token from ${t.tokenSource}: pass --token-file or set CONVOY_TOKEN` : msg);
  }
  if (res.headers.get('x-convoy-log-truncated')) console.error('convoy: (older lines were not searched: the log is larger than the scan limit)');
  if (new URL(path, base).searchParams.get('follow') === '1') console.error('convoy: following new lines; Ctrl-C stops');
  let rest = '';
  const decoder = new TextDecoder();
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      const lines = (rest + decoder.decode(chunk, { stream: true })).split('\n');
      rest = lines.pop()!;
      for (const line of lines) if (line) print(line);
    }
  } catch (err) {
    throw new Error(`lost the log stream from ${base} (${(err as Error).message}): run the command again`);
  }
  if (rest) print(rest);
}

function query(flags: Flags, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({ tail: String(tailOf(flags)), ...(flags.follow ? { follow: '1' } : {}), ...extra });
  return `?${q}`;
}

/** A task's or actor's line: what it printed, or the whole record with --json. */
function taskLinePrinter(json: boolean | undefined): (line: string) => void {
  return (line) => {
    if (json) return console.log(line);
    try {
      console.log((JSON.parse(line) as TaskLogLine).msg);
    } catch {
      console.log(line);
    }
  };
}

export function registerLogs(program: Command): void {
  const logs = program.command('logs').description("list the cluster's logs, or print the head's, a node's, a job's, a task's or an actor's");

  withTarget(logs.command('list', { isDefault: true }).description('list the logs there are (the default)').option('--json', 'print JSON')).action(async (flags: Flags) => {
    const listing = await api<LogListing>(resolveTarget(flags), 'GET', '/api/logs');
    if (flags.json) return console.log(JSON.stringify(listing, null, 2));
    const rows: (string | number)[][] = [['head', '-', bytes(listing.head.bytes), 'convoy logs head']];
    for (const n of listing.nodes) {
      if (n.error) rows.push([`node ${n.nodeId}`, n.address, `unreachable: ${n.error}`, '']);
      for (const f of n.files) rows.push([`node ${n.nodeId}`, f.name === 'tasks' ? 'task output' : 'node log', bytes(f.bytes), `convoy logs node ${n.nodeId}${f.name === 'tasks' ? ' --tasks' : ''}`]);
    }
    for (const j of listing.jobs) rows.push([`job ${j.jobId}`, j.status, '', `convoy logs job ${j.jobId}`]);
    console.log(table(['log', 'what', 'size', 'read with'], rows));
    console.log('\nA task\'s or an actor\'s output: convoy logs task TASK_ID, convoy logs actor ACTOR_ID');
  });

  withLines(logs.command('head').description("print the head's log")).action(async (flags: Flags) => {
    await streamLines(resolveTarget(flags), `/api/logs/head${query(flags)}`, (l) => console.log(l));
  });

  withLines(logs.command('node').description("print a node's log (with --tasks, the output of the tasks that ran there)").argument('<nodeId>', 'a node id, a unique prefix of one, or its address').option('--tasks', "the node's task output instead of its own log").option('--json', 'with --tasks: print each line as its JSON record')).action(
    async (nodeId: string, flags: Flags) => {
      checkId(nodeId, 'node', '`convoy status` and `convoy logs` list the nodes');
      const print = flags.tasks ? taskLinePrinter(flags.json) : (l: string) => console.log(l);
      await streamLines(resolveTarget(flags), `/api/logs/nodes/${encodeURIComponent(nodeId)}${query(flags, flags.tasks ? { file: 'tasks' } : {})}`, print);
    },
  );

  withLines(logs.command('job').description("print a job's driver output (as convoy job logs)").argument('<jobId>')).action(async (jobId: string, flags: Flags) => {
    checkId(jobId, 'job', '`convoy job list` lists the jobs');
    const tail = tailOf(flags);
    const t = resolveTarget(flags);
    if (flags.follow) return followJob(t, jobId);
    const base = await httpBase(t);
    const res = await fetch(`${base}/api/jobs/${encodeURIComponent(jobId)}/logs`, { headers: { authorization: `Bearer ${t.token}` } });
    if (res.status === 404) throw new Error(`no job ${jobId}: \`convoy job list\` lists the jobs`);
    if (!res.ok) throw new Error(`no logs for ${jobId}: HTTP ${res.status} ${(await res.text()).trim()}`);
    const lines = (await res.text()).split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    for (const line of lines.slice(-tail)) console.log(line);
  });

  for (const [noun, route] of [
    ['task', 'tasks'],
    ['actor', 'actors'],
  ] as const) {
    withLines(
      logs
        .command(noun)
        .description(`print what a${noun === 'actor' ? 'n actor' : ' task'} printed, on whichever live nodes it ran`)
        .argument(`<${noun}Id>`, noun === 'task' ? "the task's id (its result ObjectRef's id)" : "the actor's id")
        .option('--json', 'print each line as its JSON record (time, node, task, actor, stream)'),
    ).action(async (id: string, flags: Flags) => {
      checkId(id, noun, noun === 'task' ? "a task's id is the id of its result's ObjectRef" : "an actor's id is its handle's actorId");
      await streamLines(resolveTarget(flags), `/api/logs/${route}/${encodeURIComponent(id)}${query(flags)}`, taskLinePrinter(flags.json));
    });
  }
}
