// Process entry of a job supervisor: the small process between the head and a job's driver, so that the
// driver does not die with the head (Ray's do). The head starts it detached (its own session and process
// group) with its stdout and stderr on the job's log file, and it starts the driver the same way, in a process
// group of its own, with the same log file, so output reaches the log with no head in between.
//
// It forwards a stop (SIGTERM or SIGINT to it) to the driver's process group as SIGTERM, then SIGKILL after
// the grace, and when the driver ends writes how to the driver status file (supervisor-contract.mjs) and
// exits. It writes nothing else: the head that watches it, the one that started it or a later one, reads that
// file.
//
// Options come as base64 JSON in argv (SupervisorOptions); the driver's environment is this process's own
// (secrets travel in the environment, never argv), except NODE_OPTIONS, whose driver's value arrives as
// DRIVER_NODE_OPTIONS.
//
// Plain JavaScript with nothing but Node's modules and its two helpers, so that it starts as plain `node`
// from the sources as well as from the package: under tsx it took 1.6 s and 78 MB, as plain Node 0.4 s and
// 43 MB, for each job, for as long as the job runs.
import { spawn } from 'node:child_process';
import { processIdentity } from './process-identity.mjs';
import { DRIVER_NODE_OPTIONS, writeDriverStatus } from './supervisor-contract.mjs';

const opts = JSON.parse(Buffer.from(process.argv[2] ?? '', 'base64url').toString('utf8'));
const status = {
  supervisorPid: process.pid,
  supervisorIdentity: processIdentity(process.pid) ?? '',
  startTime: Date.now(),
};
let stopRequested = false;
let ended = false;

const stop = () => {
  if (stopRequested) return;
  stopRequested = true;
  signalDriver('SIGTERM');
  setTimeout(() => signalDriver('SIGKILL'), opts.graceMs).unref();
};
// Installed before the driver starts: a stop that arrives first ends the supervisor with no driver to leave.
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The head's terminal closing is not a stop: the driver outlives the head.
process.on('SIGHUP', () => {});

const env = { ...process.env };
if (env[DRIVER_NODE_OPTIONS] === undefined) delete env.NODE_OPTIONS;
else env.NODE_OPTIONS = env[DRIVER_NODE_OPTIONS];
delete env[DRIVER_NODE_OPTIONS];

const driver = spawn(opts.command, opts.args, { cwd: opts.cwd, env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
driver.on('spawn', () => {
  status.driverPid = driver.pid;
  status.driverIdentity = processIdentity(driver.pid) ?? '';
  if (!ended) writeDriverStatus(opts.statusPath, status);
});
driver.on('error', (err) => {
  process.stderr.write(`[convoy] could not start ${opts.command}: ${err.message}\n`);
  end({ exitCode: null, signal: null, startError: err.message });
});
driver.on('exit', (exitCode, signal) => end({ exitCode, signal }));

function signalDriver(signal) {
  if (driver.pid === undefined || driver.exitCode !== null || driver.signalCode !== null) return;
  try {
    process.kill(-driver.pid, signal);
  } catch {
    // its group is gone already
  }
}

function end(how) {
  if (ended) return;
  ended = true;
  status.end = { ...how, stopRequested, endTime: Date.now() };
  writeDriverStatus(opts.statusPath, status);
  process.exit(0);
}
