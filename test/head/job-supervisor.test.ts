/**
 * Job drivers outlive the head: each runs under a detached supervisor, and a head started over the same jobs
 * table reattaches to it. A head that dies is played by closing a JobManager with `detach` (it leaves the
 * supervisors running and records nothing more) and starting a second one over the same MemoryTable; the
 * last test kills a real head process with SIGKILL.
 *
 * The drivers are real `node -e` processes that print three lines, then wait for a `release` file in their
 * working directory before printing the rest, so each test decides when a driver ends without any sleep.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JobManager } from '../../cluster/head/jobs/job-manager.ts';
import { processIdentity } from '../../cluster/head/jobs/process-identity.mjs';
import { driverStatusPath, readDriverStatus, type DriverStatus } from '../../cluster/head/jobs/supervisor-contract.mjs';
import { MemoryTable } from '../../cluster/head/control/memory-store.ts';
import type { JobRecord } from '../../cluster/head/control/records.ts';
import { EventHub } from '../../cluster/head/events.ts';
import { silentLogger } from '../../cluster/common/logger.ts';
import { startLocalCluster, type LocalCluster } from '../../cluster/client/embedded.ts';
import { eventually } from '../helpers/cluster.ts';

const LINES = 10;
/** Prints `line 0` to `line 2`, waits for ./release, prints the rest, exits 0. */
const DRIVER = `
const fs = require('node:fs');
let i = 0;
const tick = () => {
  if (i < 3 || fs.existsSync('release')) console.log('line ' + i++);
  if (i === ${LINES}) process.exit(0);
  setTimeout(tick, 20);
};
tick();
`;
const ALL_LINES = Array.from({ length: LINES }, (_, i) => `line ${i}\n`).join('');

let managers: JobManager[] = [];
let released: string[] = [];
afterEach(async () => {
  // Lets any driver a test left waiting end, then stops what still runs.
  await Promise.all(released.map((dir) => writeFile(path.join(dir, 'release'), '').catch(() => undefined)));
  await Promise.allSettled(managers.map((m) => m.close()));
  managers = [];
  released = [];
});

async function newDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'convoy-jobsup-'));
}

function manager(table: MemoryTable<JobRecord>, dir: string, extra: { maxFinishedJobs?: number } = {}): JobManager {
  const m = new JobManager({
    dir,
    table,
    token: 'test-token',
    headAddress: () => '127.0.0.1:1',
    log: silentLogger,
    events: new EventHub(),
    dependencyCacheDir: path.join(dir, 'npm-cache'),
    stopGraceMs: 2000,
    ...extra,
  });
  managers.push(m);
  return m;
}

const jobDir = (dir: string, jobId: string) => path.join(dir, 'runs', jobId);

/** Starts the waiting driver and returns once it printed its first lines and recorded its pid. */
async function startWaitingJob(m: JobManager, dir: string): Promise<{ jobId: string; status: DriverStatus }> {
  const { jobId } = await m.submit({ entrypoint: ['node', '-e', DRIVER] });
  released.push(path.join(jobDir(dir, jobId), 'wd'));
  await eventually(async () => ((await m.readLogs(jobId))?.toString() ?? '').includes('line 2'), 60_000, 'the driver to print its first lines');
  const status = readDriverStatus(driverStatusPath(jobDir(dir, jobId)))!;
  expect(status.driverPid).toBeGreaterThan(0);
  return { jobId, status };
}

const release = (dir: string, jobId: string) => writeFile(path.join(jobDir(dir, jobId), 'wd', 'release'), '');

function followToEnd(m: JobManager, jobId: string): { text: () => string; ended: Promise<void> } {
  const chunks: Buffer[] = [];
  let end!: () => void;
  const ended = new Promise<void>((r) => (end = r));
  void m.follow(jobId, (c) => (c ? chunks.push(c) : end()));
  return { text: () => Buffer.concat(chunks).toString(), ended };
}

describe('job supervisors', () => {
  it('reattaches a head started over the jobs table to a running job, which then finishes with its whole log', async () => {
    const dir = await newDir();
    const table = new MemoryTable<JobRecord>();
    const first = manager(table, dir);
    const { jobId, status } = await startWaitingJob(first, dir);
    expect(table.get(jobId)!.supervisor).toEqual({ pid: status.supervisorPid, identity: status.supervisorIdentity });
    await first.close({ detach: true });
    expect(processIdentity(status.driverPid!)).toBeDefined();

    const second = manager(table, dir);
    expect(second.get(jobId)!.status).toBe('RUNNING');
    const followed = followToEnd(second, jobId);
    await release(dir, jobId);
    await followed.ended;
    const info = second.get(jobId)!;
    expect(info.status).toBe('SUCCEEDED');
    expect(info.exitCode).toBe(0);
    expect(info.message).toBe('exited with code 0');
    expect((await second.readLogs(jobId))!.toString()).toBe(ALL_LINES);
    expect(followed.text()).toBe(ALL_LINES);
  });

  it('finds the supervisor of a job its head started but did not record, by the status file', async () => {
    const dir = await newDir();
    const table = new MemoryTable<JobRecord>();
    const first = manager(table, dir);
    const { jobId } = await startWaitingJob(first, dir);
    await first.close({ detach: true });
    // As a head that died between starting the supervisor and saving the record.
    const { supervisor: _, ...record } = table.get(jobId)!;
    table.put(jobId, { ...record, info: { ...record.info, status: 'PENDING' } });

    const second = manager(table, dir);
    expect(second.get(jobId)!.status).toBe('RUNNING');
    await release(dir, jobId);
    await eventually(() => second.get(jobId)!.status === 'SUCCEEDED', 60_000, 'the job to succeed');
    expect((await second.readLogs(jobId))!.toString()).toBe(ALL_LINES);
  });

  it("fails a job whose supervisor was killed while no head watched, saying so, and stops the driver it left", async () => {
    const dir = await newDir();
    const table = new MemoryTable<JobRecord>();
    const first = manager(table, dir);
    const { jobId, status } = await startWaitingJob(first, dir);
    await first.close({ detach: true });
    process.kill(status.supervisorPid, 'SIGKILL');
    await eventually(() => processIdentity(status.supervisorPid) === undefined, 20_000, 'the supervisor to be gone');

    const second = manager(table, dir);
    await eventually(() => second.get(jobId)!.status !== 'RUNNING', 20_000, 'the job to end');
    const info = second.get(jobId)!;
    expect(info.status).toBe('FAILED');
    expect(info.exitCode).toBeNull();
    expect(info.message).toMatch(
      new RegExp(`supervisor \\(pid ${status.supervisorPid}\\) died while no head was watching \\(its log was last written at \\d{4}-.*Z\\) before recording how the driver ended; its driver \\(pid ${status.driverPid}\\) was still running and has been stopped`),
    );
    await eventually(() => processIdentity(status.driverPid!) === undefined, 20_000, 'the driver to be stopped');
    // A restored job's log still follows to its end.
    const followed = followToEnd(second, jobId);
    await followed.ended;
    expect(followed.text()).toBe('line 0\nline 1\nline 2\n');
  });

  it('fails a job whose supervisor is killed while the head watches, and one whose command does not exist', async () => {
    const dir = await newDir();
    const m = manager(new MemoryTable<JobRecord>(), dir);
    const { jobId, status } = await startWaitingJob(m, dir);
    process.kill(status.supervisorPid, 'SIGKILL');
    await eventually(() => m.get(jobId)!.status !== 'RUNNING', 20_000, 'the job to end');
    expect(m.get(jobId)!.status).toBe('FAILED');
    expect(m.get(jobId)!.message).toBe(
      `the job's supervisor (pid ${status.supervisorPid}) was killed by SIGKILL before recording how the driver ended; its driver (pid ${status.driverPid}) was still running and has been stopped`,
    );
    await eventually(() => processIdentity(status.driverPid!) === undefined, 20_000, 'the driver to be stopped');

    const missing = await m.submit({ entrypoint: ['convoy-no-such-command', 'x'] });
    await eventually(() => m.get(missing.jobId)!.status !== 'PENDING' && m.get(missing.jobId)!.status !== 'RUNNING', 60_000, 'the job to end');
    expect(m.get(missing.jobId)).toMatchObject({ status: 'FAILED', exitCode: null, message: 'could not start convoy-no-such-command: spawn convoy-no-such-command ENOENT' });
    expect((await m.readLogs(missing.jobId))!.toString()).toContain('[convoy] could not start convoy-no-such-command');
  });

  it('stops a reattached job: STOPPED, and its driver is gone', async () => {
    const dir = await newDir();
    const table = new MemoryTable<JobRecord>();
    const first = manager(table, dir);
    const { jobId, status } = await startWaitingJob(first, dir);
    await first.close({ detach: true });

    const second = manager(table, dir);
    const info = await second.stop(jobId);
    expect(info!.status).toBe('STOPPED');
    expect(info!.message).toBe('stopped by request');
    expect(processIdentity(status.driverPid!)).toBeUndefined();
    await eventually(() => processIdentity(status.supervisorPid) === undefined, 20_000, 'the supervisor to exit');
    expect(readDriverStatus(driverStatusPath(jobDir(dir, jobId)))!.end).toMatchObject({ stopRequested: true, signal: 'SIGTERM' });
    // Stopping it again answers the finished job.
    expect((await second.stop(jobId))!.status).toBe('STOPPED');
  });

  it('stops running jobs on a clean close, as `convoy stop` does', async () => {
    const dir = await newDir();
    const table = new MemoryTable<JobRecord>();
    const m = manager(table, dir);
    const { jobId, status } = await startWaitingJob(m, dir);
    await m.close();
    expect(table.get(jobId)!.info.status).toBe('STOPPED');
    expect(processIdentity(status.driverPid!)).toBeUndefined();
  });

  it('keeps the latest finished jobs up to the bound, dropping the oldest finished with their folders, never a running one', async () => {
    const dir = await newDir();
    const table = new MemoryTable<JobRecord>();
    const m = manager(table, dir, { maxFinishedJobs: 2 });
    const running = await startWaitingJob(m, dir);
    const finished: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { jobId } = await m.submit({ entrypoint: ['node', '-e', `console.log('quick ${i}')`] });
      await eventually(() => m.get(jobId)?.status === 'SUCCEEDED', 60_000, `quick job ${i} to finish`);
      finished.push(jobId);
    }
    await eventually(() => !existsSync(jobDir(dir, finished[0]!)), 20_000, "the oldest finished job's folder to be removed");
    expect(table.keys().sort()).toEqual([running.jobId, finished[1]!, finished[2]!].sort());
    expect(m.get(running.jobId)!.status).toBe('RUNNING');

    await release(dir, running.jobId);
    await eventually(() => m.get(running.jobId)?.status === 'SUCCEEDED', 60_000, 'the waiting job to finish');
    expect(table.keys().sort()).toEqual([running.jobId, finished[2]!].sort());
    expect(await readFile(path.join(jobDir(dir, finished[2]!), 'logs.txt'), 'utf8')).toBe('quick 2\n');

    // A head started with a smaller bound drops the excess at once.
    await m.close();
    manager(table, dir, { maxFinishedJobs: 1 });
    expect(table.keys()).toEqual([running.jobId]);
  });
});

describe('a head killed with SIGKILL', () => {
  let local: LocalCluster | undefined;
  afterEach(async () => {
    await local?.stop();
    local = undefined;
  });

  it('leaves its job driver running, and the driver finishes writing its log', async () => {
    local = await startLocalCluster({ workers: 0, startTimeoutMs: 60_000 });
    const api = (route: string, init: RequestInit = {}) =>
      fetch(`http://${local!.httpAddress}${route}`, { ...init, headers: { authorization: `Bearer ${local!.token}`, 'content-type': 'application/json' } });
    const submitted = (await (await api('/api/jobs', { method: 'POST', body: JSON.stringify({ entrypoint: ['node', '-e', DRIVER] }) })).json()) as { jobId: string };
    const folder = path.join(local.sessionDir, 'jobs', 'runs', submitted.jobId);
    released.push(path.join(folder, 'wd'));
    await eventually(async () => (await (await api(`/api/jobs/${submitted.jobId}/logs`)).text()).includes('line 2'), 60_000, 'the driver to print its first lines');
    const status = readDriverStatus(driverStatusPath(folder))!;

    const headGone = new Promise((r) => local!.head.child.once('exit', r));
    local.head.child.kill('SIGKILL');
    await headGone;
    expect(processIdentity(status.supervisorPid)).toBeDefined();
    expect(processIdentity(status.driverPid!)).toBeDefined();

    await writeFile(path.join(folder, 'wd', 'release'), '');
    await eventually(() => readDriverStatus(driverStatusPath(folder))?.end !== undefined, 60_000, 'the driver to end');
    expect(readDriverStatus(driverStatusPath(folder))!.end).toMatchObject({ exitCode: 0, signal: null, stopRequested: false });
    expect(await readFile(path.join(folder, 'logs.txt'), 'utf8')).toBe(ALL_LINES);
  });
});
