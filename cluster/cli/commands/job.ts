/**
 * `convoy job submit --working-dir DIR -- node driver.ts` and friends: upload a directory, run a driver on the
 * cluster with CONVOY_ADDRESS set, and read or follow its logs (Ray's job submission, on the head's HTTP API).
 * The job's runtime environment: the dependencies its package.json and lockfile name (installed on the
 * cluster), `--env NAME=VALUE` variables, and `--submission-id` to make submitting idempotent.
 */
import type { Command } from 'commander';
import { RuntimeEnvError } from '../../common/errors.ts';
import { checkSubmissionId, parseEnvPairs } from '../../common/runtime-env.ts';
import { api, httpBase, resolveTarget, type ClusterTarget } from '../context.ts';
import { bytes, table } from '../format.ts';
import type { JobInfo, StoredPackage, SubmitJobReply, SubmitJobRequest } from '../../api/head-api.ts';

/** Flag mistakes are usage errors: the same checks as the head's, reported before anything is uploaded. */
function usage<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof RuntimeEnvError) throw new TypeError(err.message);
    throw err;
  }
}

const targetOptions = (c: Command) =>
  c.option('--address <addr>', 'head address (gRPC host:port or http://host:8265)').option('--token-file <path>', 'cluster token file');

/**
 * Streams a job's log to stdout until the job ends. A follow that goes quiet for 5 minutes (a driver waiting
 * for workers) is cut by fetch's body timeout (undici's bodyTimeout, 300 s, with no per-request setting in
 * Node's fetch), and any dropped connection ends the stream the same way: follow again, and skip the bytes
 * already printed, since the head replays the log from its start. Gives up after a few drops in a row that
 * brought nothing new; a head that is gone fails the next request, which is reported as such.
 */
export async function follow(t: ClusterTarget, jobId: string, out: (chunk: Uint8Array) => void = (c) => process.stdout.write(c)): Promise<void> {
  const base = await httpBase(t);
  let printed = 0;
  for (let fruitless = 0; ; ) {
    const res = await fetch(`${base}/api/jobs/${encodeURIComponent(jobId)}/logs?follow=1`, { headers: { authorization: `Bearer ${t.token}` } });
    if (!res.ok || !res.body) throw new Error(`cannot follow logs of ${jobId}: HTTP ${res.status} ${await res.text()}`);
    const before = printed;
    let seen = 0;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const fresh = chunk.subarray(Math.max(0, Math.min(chunk.length, printed - seen)));
        seen += chunk.length;
        if (fresh.length > 0) {
          out(fresh);
          printed += fresh.length;
        }
      }
      return; // the head ended the stream: the job is over
    } catch (err) {
      fruitless = printed > before ? 0 : fruitless + 1;
      if (fruitless >= 5) throw new Error(`lost the log stream of ${jobId} ${fruitless} times in a row (${(err as Error).message}); read it with convoy job logs ${jobId}`);
    }
  }
}

export function registerJob(program: Command): void {
  const job = program.command('job').description('submit and manage jobs (driver programs run on the cluster)');

  targetOptions(
    job
      .command('submit')
      .description('upload a working directory and run an entrypoint on the cluster, e.g. -- node driver.ts')
      .requiredOption('--working-dir <dir>', 'directory to upload (.gitignore honoured, node_modules and .git skipped)')
      .option('--env <NAME=VALUE>', "an environment variable for the driver (repeat for more; the values are not logged)", (v: string, all: string[]) => [...all, v], [] as string[])
      .option('--submission-id <id>', 'the job id to use; submitting the same id again returns that job instead of starting another')
      .option('--no-wait', 'return once the job has started instead of streaming its logs')
      .argument('<entrypoint...>', 'command to run in the uploaded directory, after --'),
  ).action(async (entrypoint: string[], flags: { workingDir: string; wait: boolean; env: string[]; submissionId?: string; address?: string; tokenFile?: string }) => {
    const env = usage(() => parseEnvPairs(flags.env));
    const submissionId = usage(() => checkSubmissionId(flags.submissionId));
    const t = resolveTarget(flags);
    const { packDirectory } = await import('../../common/package-archive.ts');
    const pkg = await packDirectory(flags.workingDir);
    const uploaded = await api<StoredPackage>(t, 'POST', '/api/packages', new Uint8Array(pkg.archive));
    const request: SubmitJobRequest = { entrypoint, packageId: uploaded.id, env, submissionId };
    const info = await api<SubmitJobReply>(t, 'POST', '/api/jobs', request);
    if (info.existing) console.error(`job ${info.jobId} was submitted before (${info.status}); not starting another`);
    else console.error(`job ${info.jobId} submitted (${pkg.files} files, ${bytes(pkg.bytes)} uploaded as package ${uploaded.id})`);
    if (!flags.wait) return console.log(info.jobId);
    await follow(t, info.jobId);
    const done = await api<JobInfo>(t, 'GET', `/api/jobs/${info.jobId}`);
    console.error(`job ${done.jobId} ${done.status}: ${done.message ?? ''}`);
    if (done.status !== 'SUCCEEDED') process.exitCode = 1;
  });

  targetOptions(job.command('list').description('list jobs').option('--json', 'print JSON')).action(
    async (flags: { address?: string; tokenFile?: string; json?: boolean }) => {
      const jobs = await api<JobInfo[]>(resolveTarget(flags), 'GET', '/api/jobs');
      if (flags.json) return console.log(JSON.stringify(jobs, null, 2));
      if (jobs.length === 0) return console.log('no jobs yet');
      console.log(table(['job', 'status', 'entrypoint', 'started', 'exit'], jobs.map((j) => [j.jobId, j.status, j.entrypoint.join(' '), new Date(j.startTime).toISOString(), j.exitCode ?? ''])));
    },
  );

  targetOptions(job.command('status').description("show a job's status").argument('<jobId>').option('--json', 'print JSON')).action(
    async (jobId: string, flags: { address?: string; tokenFile?: string; json?: boolean }) => {
      const j = await api<JobInfo>(resolveTarget(flags), 'GET', `/api/jobs/${encodeURIComponent(jobId)}`);
      if (flags.json) return console.log(JSON.stringify(j, null, 2));
      console.log(`${j.jobId}: ${j.status}${j.message ? ` (${j.message})` : ''}`);
    },
  );

  targetOptions(job.command('logs').description("print a job's logs").argument('<jobId>').option('--follow', 'keep streaming until the job ends')).action(
    async (jobId: string, flags: { address?: string; tokenFile?: string; follow?: boolean }) => {
      const t = resolveTarget(flags);
      if (flags.follow) return follow(t, jobId);
      const base = await httpBase(t);
      const res = await fetch(`${base}/api/jobs/${encodeURIComponent(jobId)}/logs`, { headers: { authorization: `Bearer ${t.token}` } });
      if (!res.ok) throw new Error(`no logs for ${jobId}: HTTP ${res.status} ${await res.text()}`);
      process.stdout.write(Buffer.from(await res.arrayBuffer()));
    },
  );

  targetOptions(job.command('stop').description('stop a running job').argument('<jobId>')).action(
    async (jobId: string, flags: { address?: string; tokenFile?: string }) => {
      const j = await api<JobInfo>(resolveTarget(flags), 'POST', `/api/jobs/${encodeURIComponent(jobId)}/stop`);
      console.log(`${j.jobId}: ${j.status}`);
    },
  );
}
