/** Types of supervisor-contract.mjs (which says what the head and a job supervisor share). */

export const DRIVER_STATUS_FILE: 'driver-status.json';
export const DRIVER_NODE_OPTIONS: 'CONVOY_DRIVER_NODE_OPTIONS';

/** What the head starts a supervisor with (base64 JSON in its argv). */
export interface SupervisorOptions {
  jobId: string;
  command: string;
  args: string[];
  cwd: string;
  statusPath: string;
  /** How long a stopped driver has between SIGTERM and SIGKILL. */
  graceMs: number;
}

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
  /** The supervisor's process identity (process-identity.mjs). */
  supervisorIdentity: string;
  driverPid?: number;
  driverIdentity?: string;
  startTime: number;
  /** Present once the driver has ended. */
  end?: DriverEnd;
}

/** The status file of the job whose folder is `jobDir`. */
export function driverStatusPath(jobDir: string): string;

/** Writes the status whole (a temporary file renamed over the last). */
export function writeDriverStatus(file: string, status: DriverStatus): void;

/** The status written so far, or undefined when there is none yet (or it cannot be read). */
export function readDriverStatus(file: string): DriverStatus | undefined;
