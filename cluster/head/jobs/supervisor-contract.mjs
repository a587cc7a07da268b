// What a head and a job supervisor (job-supervisor.mjs) share: the supervisor's options (types in
// supervisor-contract.d.mts), and the driver status file, through which the supervisor tells whichever head
// watches it how the driver is doing. It goes through the job's folder rather than a pipe, so that a head
// started after the one that launched the job still learns how its driver ended. The supervisor writes it
// when the driver has started and again when it has ended, each time whole (a temporary file renamed over it),
// so a reader sees one version or the other, never half.
//
// Plain JavaScript, as the supervisor is (job-supervisor.mjs says why).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const DRIVER_STATUS_FILE = 'driver-status.json';

/**
 * The environment variable the driver's NODE_OPTIONS travel in to the supervisor, so that what the user gave
 * the driver (an --inspect port, a heap size) does not apply to the supervisor itself.
 */
export const DRIVER_NODE_OPTIONS = 'CONVOY_DRIVER_NODE_OPTIONS';

export function driverStatusPath(jobDir) {
  return path.join(jobDir, DRIVER_STATUS_FILE);
}

export function writeDriverStatus(file, status) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(status), { mode: 0o600 });
  renameSync(tmp, file);
}

export function readDriverStatus(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}
