/**
 * Jobs: a driver program run on the head with the cluster's address in its environment, from an uploaded
 * working directory, with its output captured to a log that can be read or followed while it runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, type WriteStream } from 'node:fs';
import { open, readFile, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { checkArchive, extractPackage, linkConvoyInto } from '../../common/package-archive.ts';
import { convoyRoot, driverNodeOptions } from '../../common/spawn.ts';
import { randomId } from '../../common/ids.ts';
import { UploadError } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import type { EventHub } from '../events.ts';

export type JobStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'STOPPED';

export interface JobInfo {
  jobId: string;
  status: JobStatus;
  entrypoint: string[];
  packageId?: string;
  startTime: number;
  endTime?: number;
  exitCode?: number | null;
  message?: string;
}

export interface SubmitJob {
  entrypoint: string[];
  packageId?: string;
  env?: Record<string, string>;
}

interface JobState {
  info: JobInfo;
  child?: ChildProcess;
  log: WriteStream;
  logPath: string;
  /** Bytes written to the log so far: followers use it to splice the file and live output without gaps. */
  written: number;
  followers: Set<(chunk: Buffer | null, offset: number) => void>;
  done: Promise<void>;
}

export class JobManager {
  readonly #jobs = new Map<string, JobState>();
  readonly #dir: string;

  constructor(
    private readonly opts: { dir: string; token: string; headAddress: () => string; log: Logger; events: EventHub },
  ) {
    this.#dir = opts.dir;
    mkdirSync(path.join(this.#dir, 'packages'), { recursive: true, mode: 0o700 });
  }

  /** Checks and stores an uploaded working directory; returns its content id. */
  async storePackage(archive: Buffer): Promise<{ id: string; files: number; bytes: number }> {
    const { files, bytes } = await checkArchive(archive);
    const id = createHash('sha256').update(archive).digest('hex').slice(0, 32);
    const file = this.packagePath(id);
    if (!existsSync(file)) await writeFile(file, archive, { mode: 0o600 });
    return { id, files, bytes };
  }

  packagePath(id: string): string {
    if (!/^[0-9a-f]{8,64}$/.test(id)) throw new UploadError(`invalid package id "${id}"`);
    return path.join(this.#dir, 'packages', `${id}.tar.gz`);
  }

  async submit(req: SubmitJob): Promise<JobInfo> {
    if (!Array.isArray(req.entrypoint) || req.entrypoint.length === 0 || req.entrypoint.some((a) => typeof a !== 'string')) {
      throw new TypeError('entrypoint must be a non-empty array of strings, e.g. ["node", "driver.ts"]');
    }
    const jobId = `job_${new Date().toISOString().slice(0, 10).replace(/-/g, '')}_${randomId(4)}`;
    const jobDir = path.join(this.#dir, jobId);
    const workDir = path.join(jobDir, 'wd');
    mkdirSync(jobDir, { recursive: true, mode: 0o700 });
    if (req.packageId) {
      const pkg = this.packagePath(req.packageId);
      if (!existsSync(pkg)) throw new UploadError(`package ${req.packageId} was not uploaded to this head`);
      await extractPackage(await readFile(pkg), workDir);
    } else {
      mkdirSync(workDir, { recursive: true });
    }
    await linkConvoyInto(workDir, convoyRoot());

    const logPath = path.join(jobDir, 'logs.txt');
    const info: JobInfo = { jobId, status: 'PENDING', entrypoint: req.entrypoint, packageId: req.packageId, startTime: Date.now() };
    const log = createWriteStream(logPath, { mode: 0o600 });
    const state: JobState = { info, log, logPath, written: 0, followers: new Set(), done: Promise.resolve() };
    this.#jobs.set(jobId, state);

    const [cmd, ...args] = req.entrypoint;
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      ...(req.env ?? {}),
      CONVOY_ADDRESS: this.opts.headAddress(),
      CONVOY_TOKEN: this.opts.token,
      CONVOY_JOB_ID: jobId,
      CONVOY_WORKING_DIR: workDir,
      ...(req.packageId ? { CONVOY_PACKAGE_ID: req.packageId } : {}),
      NODE_OPTIONS: driverNodeOptions(),
    };
    const child = spawn(cmd === 'node' ? process.execPath : cmd!, args, { cwd: workDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    state.child = child;
    const write = (chunk: Buffer) => {
      const offset = state.written;
      state.written += chunk.length;
      log.write(chunk);
      for (const f of state.followers) f(chunk, offset);
    };
    child.stdout!.on('data', write);
    child.stderr!.on('data', write);
    state.done = new Promise<void>((resolve) => {
      const finish = (status: JobStatus, exitCode: number | null, message: string) => {
        if (info.endTime) return resolve();
        if (info.status !== 'STOPPED') info.status = status;
        info.exitCode = exitCode;
        info.endTime = Date.now();
        info.message = info.status === 'STOPPED' ? 'stopped by request' : message;
        log.end(() => {
          for (const f of state.followers) f(null, state.written);
          state.followers.clear();
          resolve();
        });
        this.opts.events.publish({ type: 'job', jobId, status: info.status });
        this.opts.log.info({ jobId, status: info.status, exitCode }, 'job finished');
      };
      child.on('error', (err) => finish('FAILED', null, `could not start ${cmd}: ${err.message}`));
      child.on('close', (code, signal) =>
        finish(code === 0 ? 'SUCCEEDED' : 'FAILED', code, code === 0 ? 'exited with code 0' : `exited with ${signal ?? `code ${code}`}`),
      );
    });
    info.status = 'RUNNING';
    this.opts.events.publish({ type: 'job', jobId, status: 'RUNNING' });
    this.opts.log.info({ jobId, entrypoint: req.entrypoint }, 'job started');
    return { ...info };
  }

  list(): JobInfo[] {
    return [...this.#jobs.values()].map((j) => ({ ...j.info }));
  }

  get(jobId: string): JobInfo | undefined {
    const j = this.#jobs.get(jobId);
    return j && { ...j.info };
  }

  /** Log bytes from `offset`. */
  async readLogs(jobId: string, offset = 0): Promise<Buffer | undefined> {
    const j = this.#jobs.get(jobId);
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
    if (j.info.endTime || !j.child) return { ...j.info };
    j.info.status = 'STOPPED';
    j.child.kill('SIGTERM');
    const killer = setTimeout(() => j.child?.kill('SIGKILL'), 5000);
    await j.done;
    clearTimeout(killer);
    return { ...j.info };
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#jobs.keys()].map((id) => this.stop(id)));
  }
}
