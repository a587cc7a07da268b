/**
 * The head's side of a job supervisor (job-supervisor.mjs): starting one, or attaching to one a former head
 * started, then watching it until the driver's end is in the status file (supervisor-contract.mjs), or the
 * supervisor is found gone without having written it. The status file is watched (fs.watch, with a slow poll
 * for the events it misses); the supervisor's liveness is checked by pid and identity (process-identity.mjs),
 * since a head that attached to it is not its parent and gets no exit event.
 *
 * Detaching stops the watching and leaves the supervisor and its driver running, as a head that dies does.
 */
import { closeSync, openSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { encodeEntryOptions } from '../../common/process-entry.ts';
import type { JobSupervisorRecord } from '../control/records.ts';
import { isSameProcess, processIdentity, signalProcess } from './process-identity.mjs';
import { DRIVER_NODE_OPTIONS, DRIVER_STATUS_FILE, readDriverStatus, type DriverEnd, type DriverStatus, type SupervisorOptions } from './supervisor-contract.mjs';

/** Plain JavaScript, run by plain Node from the sources as from the package (job-supervisor.mjs says why). */
const SUPERVISOR_MAIN = fileURLToPath(new URL('./job-supervisor.mjs', import.meta.url));
/** How often a supervisor's liveness is checked, and the status file read in case fs.watch missed a change. */
const POLL_MS = 1000;
/** How long past the driver's grace a stopped supervisor has before the head kills it and its driver. */
const STOP_BACKSTOP_MS = 5000;

export type DriverOutcome =
  | { kind: 'ended'; end: DriverEnd }
  /** The supervisor is gone and wrote no end: how the driver ended is unknown. */
  | { kind: 'lost'; message: string };

export interface StartDriver extends SupervisorOptions {
  /** The driver's environment, NODE_OPTIONS included. */
  env: Record<string, string>;
  logPath: string;
}

export class SupervisedDriver {
  readonly outcome: Promise<DriverOutcome>;
  #settle!: (o: DriverOutcome) => void;
  #settled = false;
  #detached = false;
  #watcher: FSWatcher | undefined;
  #poll: NodeJS.Timeout | undefined;
  #backstop: NodeJS.Timeout | undefined;

  private constructor(
    readonly ref: JobSupervisorRecord,
    private readonly paths: { statusPath: string; logPath: string },
    private readonly graceMs: number,
    /** Set when this head started it: its exit event is then the surest sign it is gone. */
    private readonly child: ChildProcess | undefined,
  ) {
    this.outcome = new Promise((resolve) => (this.#settle = resolve));
  }

  /**
   * Starts a supervisor for the driver, detached, with stdout and stderr on the end of the log file, so that
   * it and the driver write there whether or not a head is alive.
   */
  static start(opts: StartDriver): SupervisedDriver {
    const { env, logPath, ...options } = opts;
    const supervisorEnv: Record<string, string> = { ...env, [DRIVER_NODE_OPTIONS]: env.NODE_OPTIONS ?? '' };
    delete supervisorEnv.NODE_OPTIONS;
    const fd = openSync(logPath, 'a', 0o600);
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [SUPERVISOR_MAIN, encodeEntryOptions(options satisfies SupervisorOptions)], {
        cwd: opts.cwd,
        env: supervisorEnv,
        stdio: ['ignore', fd, fd],
        detached: true,
      });
    } finally {
      closeSync(fd);
    }
    child.unref();
    const pid = child.pid ?? -1;
    const driver = new SupervisedDriver({ pid, identity: processIdentity(pid) ?? '' }, { statusPath: opts.statusPath, logPath }, opts.graceMs, child);
    child.on('error', () => driver.#check());
    child.on('exit', () => driver.#check());
    driver.#watch();
    return driver;
  }

  /**
   * Watches a supervisor a former head started. When it is already gone, the outcome is settled at once:
   * its end from the status file, or lost.
   */
  static attach(ref: JobSupervisorRecord, paths: { statusPath: string; logPath: string }, graceMs: number): SupervisedDriver {
    const driver = new SupervisedDriver(ref, paths, graceMs, undefined);
    driver.#check(true);
    if (!driver.#settled) driver.#watch();
    return driver;
  }

  /** Asks the supervisor to stop the driver; kills both if it has not ended well past the driver's grace. */
  stop(): void {
    if (this.#settled || this.#detached) return;
    if (this.child) this.child.kill('SIGTERM');
    else signalProcess(this.ref.pid, this.ref.identity, 'SIGTERM');
    this.#backstop ??= setTimeout(() => {
      signalProcess(this.ref.pid, this.ref.identity, 'SIGKILL');
      this.#killDriver('SIGKILL');
      this.#check();
    }, this.graceMs + STOP_BACKSTOP_MS);
    this.#backstop.unref();
  }

  /** Stops watching; the supervisor and its driver run on. */
  detach(): void {
    this.#detached = true;
    this.#unwatch();
  }

  #watch(): void {
    try {
      this.#watcher = watch(path.dirname(this.paths.statusPath), (_event, name) => {
        if (name === null || name === DRIVER_STATUS_FILE) this.#check();
      });
      this.#watcher.on('error', () => undefined);
    } catch {
      // the poll still sees it
    }
    this.#poll = setInterval(() => this.#check(), POLL_MS);
    this.#poll.unref();
  }

  #unwatch(): void {
    this.#watcher?.close();
    clearInterval(this.#poll);
    clearTimeout(this.#backstop);
  }

  #alive(): boolean {
    if (this.child) return this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined;
    return isSameProcess(this.ref.pid, this.ref.identity);
  }

  /** `onAttach`: the first look of a head that was not watching when the supervisor may have died. */
  #check(onAttach = false): void {
    if (this.#settled || this.#detached) return;
    const status = readDriverStatus(this.paths.statusPath);
    if (status?.end) return this.#finish({ kind: 'ended', end: status.end });
    if (this.#alive()) return;
    // It may have written its end just before it exited.
    const last = readDriverStatus(this.paths.statusPath) ?? status;
    if (last?.end) return this.#finish({ kind: 'ended', end: last.end });
    this.#finish({ kind: 'lost', message: this.#lostMessage(last, onAttach) });
  }

  #lostMessage(status: DriverStatus | undefined, onAttach: boolean): string {
    const how = this.child?.signalCode
      ? `was killed by ${this.child.signalCode}`
      : this.child?.exitCode != null
        ? `exited with code ${this.child.exitCode}`
        : onAttach
          ? `died while no head was watching (its log was last written at ${lastWrite(this.paths.logPath)})`
          : 'died';
    // A driver left running would go on unwatched under a job reported over: it is stopped.
    const driverStopped = this.#killDriver('SIGTERM');
    const driver = !status?.driverPid ? '; its driver had not started' : driverStopped ? `; its driver (pid ${status.driverPid}) was still running and has been stopped` : '';
    return `the job's supervisor (pid ${this.ref.pid}) ${how} before recording how the driver ended${driver}`;
  }

  /** Signals the driver's process group, if the driver still runs. Returns whether it did. */
  #killDriver(signal: NodeJS.Signals): boolean {
    const status = readDriverStatus(this.paths.statusPath);
    if (!status?.driverPid || !status.driverIdentity) return false;
    const { driverPid, driverIdentity } = status;
    if (!signalProcess(driverPid, driverIdentity, signal, true)) return false;
    if (signal !== 'SIGKILL') setTimeout(() => signalProcess(driverPid, driverIdentity, 'SIGKILL', true), this.graceMs).unref();
    return true;
  }

  #finish(outcome: DriverOutcome): void {
    this.#settled = true;
    this.#unwatch();
    this.#settle(outcome);
  }
}

function lastWrite(file: string): string {
  try {
    return statSync(file).mtime.toISOString();
  } catch {
    return 'an unknown time';
  }
}
