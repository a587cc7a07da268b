/**
 * Jobs: a driver program run on the head with the cluster's address in its environment, from an uploaded
 * working directory, with its output captured to a log that can be read or followed while it runs.
 *
 * Each job gets a runtime environment, as Ray's runtime_env: its dependencies (package-dependencies.ts:
 * installed from its lockfile once per lockfile, or the cluster's own install), the environment variables it
 * was submitted with, and an id: the submission id when given, so that submitting it again (a retry after a
 * lost answer) returns that job instead of starting a second one.
 *
 * What a job is (its JobInfo, the fingerprint of its submission, where its log is) is the control store's
 * `jobs` table; what runs it (the driver's child process, the open log stream, followers, the promise that
 * settles when it ends) stays here, in memory, one JobState per job this head started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { DependencyInstaller, planDependencies, type DependencyPlan } from '../../common/package-dependencies.ts';
import { convoyHome } from '../../common/paths.ts';
import { checkJobEnv, checkSubmissionId } from '../../common/runtime-env.ts';
import { convoyRoot, driverNodeOptions } from '../../common/spawn.ts';
import { randomId } from '../../common/ids.ts';
import { IllegalStateError } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import type { EventHub } from '../events.ts';
import type { JobInfo, JobStatus, SubmitJobReply } from '../../api/head-api.ts';
import type { Table } from '../control/control-store.ts';
import type { JobRecord } from '../control/records.ts';
import { PackageStore } from './package-store.ts';

export interface SubmitJob {
  entrypoint: string[];
  packageId?: string;
  /** Environment variables for the driver (Ray's `env_vars`); names checked, values never logged. */
  env?: Record<string, string>;
  /** The job's id and idempotency key (Ray's `submission_id`). */
  submissionId?: string;
}

/** A job this head started: its record's working copy (saved to the store on each change) and its live handles. */
interface JobState {
  info: JobInfo;
  child?: ChildProcess;
  log: WriteStream;
  logPath: string;
  /** Bytes written to the log so far: followers use it to splice the file and live output without gaps. */
  written: number;
  followers: Set<(chunk: Buffer | null, offset: number) => void>;
  done: Promise<void>;
  finish: (status: JobStatus, exitCode: number | null, message: string) => void;
  /** Hash of what was submitted, to tell a repeated submission from a different one under the same id. */
  fingerprint: string;
}

export class JobManager {
  /** The jobs this head runs or ran, by id; their records are in `opts.table`. */
  readonly #jobs = new Map<string, JobState>();
  /** Submissions being accepted (package extracted, dependencies planned), by job id. */
  readonly #accepting = new Map<string, { fingerprint: string; accepted: Promise<JobInfo> }>();
  readonly #dir: string;
  readonly #dependencies: DependencyInstaller;
  readonly #packages: PackageStore;

  constructor(
    private readonly opts: {
      dir: string;
      /** The control store's jobs table. */
      table: Table<JobRecord>;
      token: string;
      headAddress: () => string;
      log: Logger;
      events: EventHub;
      /** Where lockfile installs are cached. @default $CONVOY_HOME/runtime_env/npm */
      dependencyCacheDir?: string;
    },
  ) {
    this.#dir = opts.dir;
    this.#packages = new PackageStore(path.join(this.#dir, 'packages'));
    this.#dependencies = new DependencyInstaller({
      cacheDir: opts.dependencyCacheDir ?? path.join(convoyHome(), 'runtime_env', 'npm'),
      clusterRoot: convoyRoot(),
    });
  }

  /** Checks (by extracting it) and stores an uploaded working directory, streamed; returns its content id. */
  storePackage(archive: Readable): Promise<{ id: string; files: number; bytes: number }> {
    return this.#packages.store(archive);
  }

  packagePath(id: string): string {
    return this.#packages.path(id);
  }

  /**
   * Accepts a job: checks the request, extracts its package and plans its dependencies (what is wrong with
   * them is refused here, before anything runs), then returns it PENDING while its dependencies are provided
   * and RUNNING once its driver started. A submission id already used returns that job when the request is
   * the same, and is refused when it differs.
   */
  async submit(req: SubmitJob): Promise<SubmitJobReply> {
    if (!Array.isArray(req.entrypoint) || req.entrypoint.length === 0 || req.entrypoint.some((a) => typeof a !== 'string')) {
      throw new TypeError('entrypoint must be a non-empty array of strings, e.g. ["node", "driver.ts"]');
    }
    const env = checkJobEnv(req.env);
    const submissionId = checkSubmissionId(req.submissionId);
    if (req.packageId !== undefined) this.packagePath(req.packageId);
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([req.entrypoint, req.packageId ?? null, Object.entries(env).sort()]))
      .digest('hex');
    if (submissionId) {
      const prior = this.opts.table.get(submissionId) ?? this.#accepting.get(submissionId);
      if (prior) {
        if (prior.fingerprint !== fingerprint) {
          throw new IllegalStateError(
            `submission id ${submissionId} is already used by another job (different entrypoint, package or env); choose a new id`,
          );
        }
        return { ...('info' in prior ? prior.info : await prior.accepted), existing: true };
      }
    }
    const jobId = submissionId ?? `job_${new Date().toISOString().slice(0, 10).replace(/-/g, '')}_${randomId(4)}`;
    const accepted = this.#accept(jobId, { ...req, env }, fingerprint);
    this.#accepting.set(jobId, { fingerprint, accepted });
    try {
      return await accepted;
    } finally {
      this.#accepting.delete(jobId);
    }
  }

  async #accept(jobId: string, req: SubmitJob & { env: Record<string, string> }, fingerprint: string): Promise<JobInfo> {
    const jobDir = path.join(this.#dir, 'runs', jobId);
    const workDir = path.join(jobDir, 'wd');
    let plan: DependencyPlan;
    try {
      mkdirSync(jobDir, { recursive: true, mode: 0o700 });
      if (req.packageId) {
        // Checked at upload, and again as it is written; a refusal leaves no job folder behind.
        await this.#packages.extract(req.packageId, workDir);
      } else {
        mkdirSync(workDir, { recursive: true });
      }
      plan = await planDependencies(workDir, convoyRoot());
    } catch (err) {
      await rm(jobDir, { recursive: true, force: true });
      throw err;
    }

    const logPath = path.join(jobDir, 'logs.txt');
    const info: JobInfo = {
      jobId,
      status: 'PENDING',
      entrypoint: req.entrypoint,
      packageId: req.packageId,
      envVars: Object.keys(req.env).sort(),
      dependencies: { source: plan.kind, ...(plan.kind === 'lockfile' ? { key: plan.key } : {}) },
      startTime: Date.now(),
    };
    const log = createWriteStream(logPath, { mode: 0o600 });
    let resolveDone!: () => void;
    const state: JobState = {
      info,
      log,
      logPath,
      written: 0,
      followers: new Set(),
      done: new Promise<void>((r) => (resolveDone = r)),
      fingerprint,
      finish: (status, exitCode, message) => {
        if (info.endTime) return;
        if (info.status !== 'STOPPED') info.status = status;
        info.exitCode = exitCode;
        info.endTime = Date.now();
        info.message = info.status === 'STOPPED' ? 'stopped by request' : message;
        this.#save(state);
        log.end(() => {
          for (const f of state.followers) f(null, state.written);
          state.followers.clear();
          resolveDone();
        });
        this.opts.events.publish({ type: 'job', jobId, status: info.status });
        this.opts.log.info({ jobId, status: info.status, exitCode }, 'job finished');
      },
    };
    this.#jobs.set(jobId, state);
    this.#save(state);
    this.opts.events.publish({ type: 'job', jobId, status: 'PENDING' });
    void this.#start(state, plan, workDir, req);
    return { ...info };
  }

  /** Provides the job's dependencies, then starts its driver. */
  async #start(state: JobState, plan: DependencyPlan, workDir: string, req: SubmitJob & { env: Record<string, string> }): Promise<void> {
    const { info } = state;
    const write = (chunk: Buffer) => {
      // A job stopped while its dependencies install has closed its log; npm's late output is dropped.
      if (state.log.writableEnded) return;
      const offset = state.written;
      state.written += chunk.length;
      state.log.write(chunk);
      for (const f of state.followers) f(chunk, offset);
    };
    try {
      if (plan.kind === 'lockfile') write(Buffer.from(`[convoy] dependencies: npm ci of the job's lockfile (cache ${plan.key.slice(0, 12)})\n`));
      const provided = await this.#dependencies.provide(workDir, plan, write);
      if (plan.kind === 'lockfile') {
        info.dependencies.installed = provided.installed;
        this.#save(state);
        write(Buffer.from(`[convoy] dependencies ${provided.installed ? 'installed' : 'already installed'} (${(provided.ms / 1000).toFixed(1)} s)\n`));
      }
    } catch (err) {
      const message = `dependencies could not be installed: ${(err as Error).message}`;
      write(Buffer.from(`[convoy] ${message}\n`));
      return state.finish('FAILED', null, message);
    }
    if (info.endTime) return; // stopped while its dependencies were installed

    const [cmd, ...args] = req.entrypoint;
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      ...req.env,
      CONVOY_ADDRESS: this.opts.headAddress(),
      CONVOY_TOKEN: this.opts.token,
      CONVOY_JOB_ID: info.jobId,
      CONVOY_WORKING_DIR: workDir,
      ...(req.packageId ? { CONVOY_PACKAGE_ID: req.packageId } : {}),
      // Lets `node driver.ts` run TypeScript as it does for the user locally.
      NODE_OPTIONS: driverNodeOptions(req.env.NODE_OPTIONS ?? process.env.NODE_OPTIONS ?? ''),
    };
    delete env.CONVOY_TOKEN_FILE;
    const child = spawn(cmd === 'node' ? process.execPath : cmd!, args, { cwd: workDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    state.child = child;
    child.stdout!.on('data', write);
    child.stderr!.on('data', write);
    child.on('error', (err) => state.finish('FAILED', null, `could not start ${cmd}: ${err.message}`));
    child.on('close', (code, signal) =>
      state.finish(code === 0 ? 'SUCCEEDED' : 'FAILED', code, code === 0 ? 'exited with code 0' : `exited with ${signal ?? `code ${code}`}`),
    );
    info.status = 'RUNNING';
    this.#save(state);
    this.opts.events.publish({ type: 'job', jobId: info.jobId, status: 'RUNNING' });
    // Entrypoint and env var names only: values may be keys.
    this.opts.log.info({ jobId: info.jobId, entrypoint: req.entrypoint, envVars: info.envVars }, 'job started');
  }

  #save(state: JobState): void {
    this.opts.table.put(state.info.jobId, { info: state.info, fingerprint: state.fingerprint, logPath: state.logPath });
  }

  list(): JobInfo[] {
    return this.opts.table.list().map((j) => j.info);
  }

  get(jobId: string): JobInfo | undefined {
    return this.opts.table.get(jobId)?.info;
  }

  /** Log bytes from `offset`. */
  async readLogs(jobId: string, offset = 0): Promise<Buffer | undefined> {
    const j = this.opts.table.get(jobId);
    if (!j) return undefined;
    const fh = await open(j.logPath, 'r').catch(() => undefined);
    if (!fh) return Buffer.alloc(0);
    try {
      const { size } = await fh.stat();
      const len = Math.max(0, size - offset);
      const buf = Buffer.alloc(len);
      await fh.read(buf, 0, len, offset);
      return buf;
    } finally {
      await fh.close();
    }
  }

  /**
   * Streams the log: what is written so far, then new output as it arrives, then `onChunk(null)` at the end.
   * Returns an unsubscribe function.
   */
  async follow(jobId: string, onChunk: (chunk: Buffer | null) => void): Promise<() => void> {
    const j = this.#jobs.get(jobId);
    if (!j) throw new TypeError(`no job ${jobId}`);
    // Subscribe first and hold live chunks (with their offsets) while the file is read; then emit only the
    // bytes past what the file gave, so nothing is lost or repeated.
    let delivered = -1;
    let ended = false;
    const held: [Buffer, number][] = [];
    const emit = (c: Buffer, offset: number) => {
      const from = delivered - offset;
      if (from < c.length) onChunk(from > 0 ? c.subarray(from) : c);
      delivered = Math.max(delivered, offset + c.length);
    };
    const listener = (c: Buffer | null, offset: number) => {
      if (c === null) {
        ended = true;
        if (delivered >= 0) onChunk(null);
        return;
      }
      if (delivered < 0) held.push([c, offset]);
      else emit(c, offset);
    };
    if (!j.info.endTime) j.followers.add(listener);
    // An empty write completes after every earlier write, so the file then holds all bytes counted so far.
    if (!j.log.closed && !j.log.writableEnded) await new Promise<void>((r) => j.log.write('', () => r()));
    const sofar = (await this.readLogs(jobId, 0)) ?? Buffer.alloc(0);
    onChunk(sofar);
    delivered = sofar.length;
    for (const [c, offset] of held) emit(c, offset);
    if (ended || j.info.endTime) onChunk(null);
    return () => j.followers.delete(listener);
  }

  async stop(jobId: string): Promise<JobInfo | undefined> {
    const j = this.#jobs.get(jobId);
    if (!j) return undefined;
    if (j.info.endTime) return { ...j.info };
    j.info.status = 'STOPPED';
    this.#save(j);
    if (!j.child) {
      // Still PENDING (its dependencies are being installed): it ends now and its driver never starts.
      j.finish('STOPPED', null, 'stopped by request');
      await j.done;
      return { ...j.info };
    }
    j.child.kill('SIGTERM');
    const killer = setTimeout(() => j.child?.kill('SIGKILL'), 5000);
    await j.done;
    clearTimeout(killer);
    return { ...j.info };
  }

  async close(): Promise<void> {
    this.#dependencies.close();
    await Promise.allSettled([...this.#jobs.keys()].map((id) => this.stop(id)));
  }
}
