/**
 * What a head and a job supervisor (job-supervisor.ts) share: the supervisor's options, and the driver status
 * file, through which the supervisor tells whichever head watches it how the driver is doing. It goes through
 * the job's folder rather than a pipe, so that a head started after the one that launched the job still learns
 * how its driver ended. The supervisor writes it when the driver has started and again when it has ended, each
 * time whole (a temporary file renamed over it), so a reader sees one version or the other, never half.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const DRIVER_STATUS_FILE = 'driver-status.json';

export interface SupervisorOptions {
  jobId: string;
  command: string;
  args: string[];
  cwd: string;
  statusPath: string;
  /** How long a stopped driver has between SIGTERM and SIGKILL. */
  graceMs: number;
}

/**
 * The environment variable the driver's NODE_OPTIONS travel in to the supervisor, so that what the user gave
 * the driver (an --inspect port, a heap size) does not apply to the supervisor itself.
 */
export const DRIVER_NODE_OPTIONS = 'CONVOY_DRIVER_NODE_OPTIONS';

export interface DriverEnd {
  /** The driver's exit code, null when a signal ended it or it never started. */
  exitCode: number | null;
  signal: string | null;
  /** Why the driver never started (its command not found, ...). */
  startError?: string;
  /** Whether the supervisor had been asked to stop it (a head that saw the request may be gone). */
  stopRequested: boolean;
  endTime: number;
}

export interface DriverStatus {
  supervisorPid: number;
  /** The supervisor's process identity (process-identity.ts). */
  supervisorIdentity: string;
  driverPid?: number;
  driverIdentity?: string;
  startTime: number;
  /** Present once the driver has ended. */
  end?: DriverEnd;
}

/** The status file of the job whose folder is `jobDir`. */
export function driverStatusPath(jobDir: string): string {
  return path.join(jobDir, DRIVER_STATUS_FILE);
}

export function writeDriverStatus(file: string, status: DriverStatus): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(status), { mode: 0o600 });
  renameSync(tmp, file);
}

/** The status written so far, or undefined when there is none yet (or it cannot be read). */
export function readDriverStatus(file: string): DriverStatus | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DriverStatus;
  } catch {
    return undefined;
  }
}
