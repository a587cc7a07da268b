/**
 * Jobs: a driver program run on the head's machine with the cluster's address in its environment, from an
 * uploaded working directory, with its output captured to a log that can be read or followed while it runs.
 *
 * The driver does not die with the head (Ray's do): each runs under a job supervisor (job-supervisor.mjs), a
 * detached process that writes the driver's output straight to the log and its end to a status file in the
 * job's folder. A head that starts over a jobs table holding running jobs reattaches to their supervisors
 * (supervised-driver.ts) and finishes them as usual when their drivers end; a job whose supervisor is gone
 * takes the end it recorded, or fails saying so: none stays RUNNING forever. A clean close stops the running
 * jobs; only a head that dies (or closes with `detach`) leaves them running.
 *
 * Each job gets a runtime environment, as Ray's runtime_env: its dependencies (package-dependencies.ts:
 * installed from its lockfile once per lockfile, or the cluster's own install), the environment variables it
 * was submitted with, and an id: the submission id when given, so that submitting it again (a retry after a
 * lost answer) returns that job instead of starting a second one.
 *
 * What a job is (its JobInfo, the fingerprint of its submission, where its log is, its supervisor) is the
 * control store's `jobs` table, which keeps every running job and the latest `maxFinishedJobs` finished ones
 * (the oldest finished dropped first, with their folders); what watches it (the supervisor's handle, the
 * head's own log stream while it is PENDING, the promise that settles when it ends) stays here, in memory, one
 * JobState per job this head started or reattached to.
 */
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
import type { JobRecord, JobSupervisorRecord } from '../control/records.ts';
import { PackageStore } from './package-store.ts';
import { LogTail } from './log-tail.ts';
import { SupervisedDriver, type DriverOutcome } from './supervised-driver.ts';
import { driverStatusPath, readDriverStatus } from './supervisor-contract.mjs';

/** @see JobManager's `maxFinishedJobs` option */
const DEFAULT_MAX_FINISHED_JOBS = 1000;
/** @see JobManager's `stopGraceMs` option */
const DEFAULT_STOP_GRACE_MS = 5000;

export interface SubmitJob {
  entrypoint: string[];
  packageId?: string;
  /** Environment variables for the driver (Ray's `env_vars`); names checked, values never logged. */
  env?: Record<string, string>;
  /** The job's id and idempotency key (Ray's `submission_id`). */
  submissionId?: string;
}

/**
 * A job this head started or reattached to, until it ends: its record's working copy (saved to the store on
 * each change) and its live handles.
 */
interface JobState {
  info: JobInfo;
  /** Hash of what was submitted, to tell a repeated submission from a different one under the same id. */
  fingerprint: string;
  logPath: string;
  /** The head's own writes to the log while the job is PENDING (its dependencies' install), ended before the driver starts. */
  headLog?: WriteStream;
  supervisor?: SupervisedDriver;
  /** Settles once the job has ended and its log is complete. */
  done: Promise<void>;
  finish: (status: JobStatus, exitCode: number | null, message: string, endTime?: number) => void;
}

export class JobManager {
  /** The jobs this head runs or ran, by id; their records are in `opts.table`. */
  readonly #jobs = new Map<string, JobState>();
  /** Submissions being accepted (package extracted, dependencies planned), by job id. */
  readonly #accepting = new Map<string, { fingerprint: string; accepted: Promise<JobInfo> }>();
  readonly #dir: string;
  readonly #dependencies: DependencyInstaller;
  readonly #packages: PackageStore;
  readonly #tails = new Set<LogTail>();
  readonly #maxFinished: number;
  readonly #graceMs: number;
  #closed = false;
  /** Closed with `detach`: what runs is left running and nothing more is recorded, as when the head dies. */
  #detached = false;

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
      /** Finished jobs kept in the table (with their logs); the oldest finished go first. @default 1000 */
      maxFinishedJobs?: number;
      /** How long a stopped driver has between SIGTERM and SIGKILL. @default 5000 */
      stopGraceMs?: number;
    },
  ) {
    this.#dir = opts.dir;
    this.#maxFinished = opts.maxFinishedJobs ?? DEFAULT_MAX_FINISHED_JOBS;
    this.#graceMs = opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    this.#packages = new PackageStore(path.join(this.#dir, 'packages'));
    this.#dependencies = new DependencyInstaller({
      cacheDir: opts.dependencyCacheDir ?? path.join(convoyHome(), 'runtime_env', 'npm'),
      clusterRoot: convoyRoot(),
    });
    this.#reattach();
    this.#dropOldHistory();
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
      if (this.#closed) throw new IllegalStateError(`the head is stopping and starts no more jobs: submit job ${jobId} again once it is back`);
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
    const state = this.#track(info, fingerprint, logPath);
    state.headLog = createWriteStream(logPath, { mode: 0o600 });
    this.#save(state);
    this.opts.events.publish({ type: 'job', jobId, status: 'PENDING' });
    void this.#start(state, plan, workDir, req);
    return { ...info };
  }

  /** Watches a job until it ends: its state, with `finish`, which records its end once. */
  #track(info: JobInfo, fingerprint: string, logPath: string): JobState {
    let resolveDone!: () => void;
    const state: JobState = {
      info,
      fingerprint,
      logPath,
      done: new Promise<void>((r) => (resolveDone = r)),
      finish: (status, exitCode, message, endTime = Date.now()) => {
        if (info.endTime || this.#detached) return;
        if (info.status !== 'STOPPED') info.status = status;
        info.exitCode = exitCode;
        info.endTime = endTime;
        info.message = info.status === 'STOPPED' ? 'stopped by request' : message;
        this.#save(state);
        const settle = () => {
          this.#jobs.delete(info.jobId);
          resolveDone();
        };
        const log = state.headLog;
        if (log && !log.writableEnded) log.end(settle);
        else settle();
        this.opts.events.publish({ type: 'job', jobId: info.jobId, status: info.status });
        this.opts.log.info({ jobId: info.jobId, status: info.status, exitCode }, 'job finished');
        this.#dropOldHistory();
      },
    };
    this.#jobs.set(info.jobId, state);
    return state;
  }

  /** Finishes the job as its driver ended, once its supervisor tells (or is found gone). */
  #watch(state: JobState, supervisor: SupervisedDriver): void {
    state.supervisor = supervisor;
    void supervisor.outcome.then((outcome: DriverOutcome) => {
      if (state.info.endTime) return;
      if (outcome.kind === 'lost') return state.finish('FAILED', null, outcome.message);
      const { end } = outcome;
      // A stop asked of a head that died before the driver ended still counts.
      if (end.stopRequested) state.info.status = 'STOPPED';
      if (end.startError !== undefined) return state.finish('FAILED', null, `could not start ${state.info.entrypoint[0]}: ${end.startError}`, end.endTime);
      const code = end.exitCode;
      state.finish(code === 0 ? 'SUCCEEDED' : 'FAILED', code, code === 0 ? 'exited with code 0' : `exited with ${end.signal ?? `code ${code}`}`, end.endTime);
    });
  }

  /**
   * Takes over the jobs a former head left unfinished in the table: each whose supervisor is alive is watched
   * again; one whose supervisor is gone ends as it recorded, or fails saying so.
   */
  #reattach(): void {
    for (const record of this.opts.table.list()) {
      const { info } = record;
      if (info.endTime !== undefined) continue;
      const state = this.#track(info, record.fingerprint, record.logPath);
      const statusPath = driverStatusPath(path.dirname(record.logPath));
      // A head that died just after starting the supervisor had no time to record it; its status file names it.
      const written = readDriverStatus(statusPath);
      const ref: JobSupervisorRecord | undefined =
        record.supervisor ?? (written ? { pid: written.supervisorPid, identity: written.supervisorIdentity } : undefined);
      if (!ref) {
        // (One stopped then keeps STOPPED: finish does not overwrite it.)
        state.finish('FAILED', null, 'the head stopped while the job was PENDING, before its driver started (while its dependencies were provided): submit it again');
        continue;
      }
      this.#watch(state, SupervisedDriver.attach(ref, { statusPath, logPath: record.logPath }, this.#graceMs));
      // Its driver was started (by a head that died before it said so): found gone, it ends on the next turn.
      if (info.status === 'PENDING') info.status = 'RUNNING';
      this.#save(state);
      this.opts.log.info({ jobId: info.jobId, supervisorPid: ref.pid }, 'job reattached');
    }
  }

  /** Provides the job's dependencies, then starts its driver. */
  async #start(state: JobState, plan: DependencyPlan, workDir: string, req: SubmitJob & { env: Record<string, string> }): Promise<void> {
    const { info } = state;
    const log = state.headLog!;
    const write = (chunk: Buffer) => {
      // A job stopped while its dependencies install has closed its log; npm's late output is dropped.
      if (!log.writableEnded) log.write(chunk);
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
    // The head's lines go first; from here on the supervisor and the driver append to the file themselves.
    if (!log.writableEnded) await new Promise<void>((r) => log.end(r));
    if (info.endTime) return; // stopped while its dependencies were installed
    if (this.#closed) return state.finish('FAILED', null, 'the head stopped before the driver started: submit the job again');

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
    const supervisor = SupervisedDriver.start({
      jobId: info.jobId,
      command: cmd === 'node' ? process.execPath : cmd!,
      args,
      cwd: workDir,
      env,
      logPath: state.logPath,
      statusPath: driverStatusPath(path.dirname(state.logPath)),
      graceMs: this.#graceMs,
    });
    this.#watch(state, supervisor);
    info.status = 'RUNNING';
    this.#save(state);
    this.opts.events.publish({ type: 'job', jobId: info.jobId, status: 'RUNNING' });
    // Entrypoint and env var names only: values may be keys.
    this.opts.log.info({ jobId: info.jobId, entrypoint: req.entrypoint, envVars: info.envVars }, 'job started');
  }

  #save(state: JobState): void {
    const record: JobRecord = { info: state.info, fingerprint: state.fingerprint, logPath: state.logPath };
    if (state.supervisor) record.supervisor = state.supervisor.ref;
    this.opts.table.put(state.info.jobId, record);
  }

  /** Drops the oldest finished jobs past `maxFinishedJobs`, with their folders (package, log); running jobs stay. */
  #dropOldHistory(): void {
    if (this.#detached) return;
    const finished = this.opts.table.list().filter((r) => r.info.endTime !== undefined);
    if (finished.length <= this.#maxFinished) return;
    finished.sort((a, b) => a.info.endTime! - b.info.endTime!);
    for (const old of finished.slice(0, finished.length - this.#maxFinished)) {
      this.opts.table.delete(old.info.jobId);
      const folder = path.dirname(old.logPath);
      // Only a job's own folder (…/runs/JOB_ID) is removed, whatever a stored record says.
      if (path.basename(folder) !== old.info.jobId || path.basename(path.dirname(folder)) !== 'runs') continue;
      rm(folder, { recursive: true, force: true }).catch((err: unknown) =>
        this.opts.log.warn({ jobId: old.info.jobId, err: (err as Error).message }, 'could not remove the folder of a job dropped from the history'),
      );
    }
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
   * Streams the log: what is written so far, then new output as it arrives, then `onChunk(null)` once the job
   * has ended (at once for a job already finished). Returns an unsubscribe function.
   */
  async follow(jobId: string, onChunk: (chunk: Buffer | null) => void): Promise<() => void> {
    const record = this.opts.table.get(jobId);
    if (!record) throw new TypeError(`no job ${jobId}`);
    const tail = new LogTail(record.logPath, onChunk);
    this.#tails.add(tail);
    const off = () => {
      tail.close();
      this.#tails.delete(tail);
    };
    const running = this.#jobs.get(jobId);
    if (running) tail.start();
    void (running?.done ?? Promise.resolve()).then(() => tail.end()).finally(() => this.#tails.delete(tail));
    return off;
  }

  async stop(jobId: string): Promise<JobInfo | undefined> {
    const j = this.#jobs.get(jobId);
    if (!j) return this.get(jobId); // finished already, or unknown
    if (j.info.endTime) return { ...j.info };
    j.info.status = 'STOPPED';
    this.#save(j);
    if (!j.supervisor) {
      // Still PENDING (its dependencies are being installed): it ends now and its driver never starts.
      j.finish('STOPPED', null, 'stopped by request');
      await j.done;
      return { ...j.info };
    }
    // The supervisor stops the driver (SIGTERM, then SIGKILL after the grace) and records its end.
    j.supervisor.stop();
    await j.done;
    return { ...j.info };
  }

  /**
   * Stops the running jobs and waits for them to end (`convoy stop`). With `detach`, leaves them running
   * instead and records nothing more, as a head that dies does: a head started next over the same table
   * reattaches to them.
   */
  async close(opts: { detach?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (opts.detach) {
      this.#detached = true;
      for (const j of this.#jobs.values()) j.supervisor?.detach();
      for (const tail of this.#tails) tail.close();
      this.#dependencies.close();
      return;
    }
    this.#dependencies.close();
    await Promise.allSettled([...this.#jobs.keys()].map((id) => this.stop(id)));
  }
}
