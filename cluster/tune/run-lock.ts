/**
 * One driver per tune run. A run's state file and trial folders have a single writer: a second driver of the
 * same run (a resume started while the first driver still runs, or a fresh run of the same name) would run the
 * trials again beside the first, remove its checkpoints, and write the run's state over it.
 *
 * Each driver announces itself with a file of its own, `<runDir>/drivers/<pid>@<host>`, created exclusively,
 * then looks at the others. A file whose process is alive on this machine, or any file from another machine
 * (whose process cannot be checked from here), means the run is in use: this driver removes its own file and
 * refuses. Files of processes that are gone (a driver that crashed) are removed. Two drivers that start at the
 * same moment each see the other and both refuse, so there are never two writers; a stale file is never
 * "taken over" by renaming or rewriting it, which is where lock files usually race.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TuneRunInUseError } from './errors.ts';

export interface RunLock {
  /** Removes this driver's file. Idempotent. */
  release(): void;
}

const ENTRY = /^(\d+)@(.+)$/;

export function acquireRunLock(runDir: string, runName: string): RunLock {
  const dir = path.join(runDir, 'drivers');
  mkdirSync(dir, { recursive: true });
  const host = os.hostname();
  const mine = path.join(dir, `${process.pid}@${host}`);
  try {
    writeFileSync(mine, JSON.stringify({ pid: process.pid, host, startedAt: new Date().toISOString() }), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    throw new TuneRunInUseError(runName, { pid: process.pid, host, file: mine }, 'another tune.run in this process');
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    rmSync(mine, { force: true });
  };
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (file === mine) continue;
    const m = ENTRY.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    const other = m[2]!;
    if (other === host && !isAlive(pid)) {
      rmSync(file, { force: true }); // a driver that died: it writes nothing any more
      continue;
    }
    release();
    throw new TuneRunInUseError(
      runName,
      { pid, host: other, file },
      other === host
        ? `process ${pid} on this machine`
        : `process ${pid} on ${other} (if that driver is gone, delete ${file})`,
    );
  }
  return { release };
}

/** Whether a process with this id exists here (EPERM: it does, but belongs to another user). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
