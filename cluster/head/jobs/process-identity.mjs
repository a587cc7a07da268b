// Telling a process apart from a later one that reuses its pid. A head that restarts finds a job's supervisor
// by the pid in its record; by then the supervisor may be gone and the pid given to something else, which must
// be neither reattached to nor signalled. A process's identity is its pid's start time (clock ticks since
// boot, field 22 of /proc/PID/stat) with the boot's id: the kernel never gives one pid two start times within
// a boot. A zombie (exited, not yet reaped) counts as gone.
//
// Where there is no /proc (macOS), identities cannot be read: a live pid is then taken as the same process.
//
// Plain JavaScript (types in process-identity.d.mts), as the job supervisor that uses it is (job-supervisor.mjs
// says why).
import { readFileSync } from 'node:fs';

/** The identity recorded where /proc cannot be read. */
const UNCHECKED = 'unchecked';

let bootId = '';
const HAS_PROC = (() => {
  try {
    bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return true;
  } catch {
    return false;
  }
})();

export function processIdentity(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  if (!HAS_PROC) return pidExists(pid) ? UNCHECKED : undefined;
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces or parentheses itself: split after the last.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  if (state === 'Z' || state === 'X') return undefined;
  return `${bootId}/${fields[19]}`;
}

export function isSameProcess(pid, identity) {
  const now = processIdentity(pid);
  return now !== undefined && (now === identity || identity === UNCHECKED || now === UNCHECKED);
}

export function signalProcess(pid, identity, signal, group = false) {
  if (!isSameProcess(pid, identity)) return false;
  try {
    process.kill(group ? -pid : pid, signal);
    return true;
  } catch {
    return false;
  }
}

function pidExists(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}
