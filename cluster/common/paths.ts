/**
 * Where a machine's Convoy state lives: `$CONVOY_HOME` (default `<tmpdir>/convoy-<uid>`, one per user, since
 * the folder is private to its owner), holding
 * - `session_<time>_<pid>/`: one folder per head (token, logs, job packages). Embedded clusters get one too.
 * - `session_latest`: a link to the session of the newest head started with `convoy start --head`, as Ray
 *   keeps /tmp/ray/session_latest. Embedded clusters leave it alone.
 * - `procs/`: one record per process `convoy start` started, so that clients find that head (and its token
 *   file) and `convoy stop` finds what to stop. Embedded clusters are not recorded: they belong to the
 *   driver that started them, and end with it.
 * - `runtime_env/`: job dependencies installed from lockfiles, shared by the clusters of this user.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function convoyHome(): string {
  return process.env.CONVOY_HOME ?? path.join(os.tmpdir(), `convoy-${process.getuid?.() ?? os.userInfo().username}`);
}

/**
 * A new session folder. `latest: true` (heads from `convoy start`) also points `session_latest` at it; an
 * embedded cluster passes false, so a driver's short-lived cluster never hides the head the user started.
 */
export function newSessionDir(opts: { latest: boolean }): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '_');
  const dir = path.join(convoyHome(), `session_${stamp}_${process.pid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (opts.latest) pointLatestAt(dir);
  return dir;
}

/** Points `session_latest` at `dir` (a new head's session, or one `convoy start --head --resume` restarted). */
export function pointLatestAt(dir: string): void {
  const latest = latestSessionDir();
  const tmp = `${latest}.${process.pid}`;
  try {
    rmSync(tmp, { force: true });
    symlinkSync(dir, tmp);
    renameSync(tmp, latest);
  } catch {
    // Another head on this machine raced us for the link; the link is a convenience only.
  }
}

/** The log a head writes in its session folder (main.ts) and serves to `convoy logs head`. */
export function headLogFile(sessionDir: string): string {
  return path.join(sessionDir, 'logs', 'head.log');
}

export function latestSessionDir(): string {
  return path.join(convoyHome(), 'session_latest');
}

/** A process started by `convoy start`: what clients need to reach it and `convoy stop` needs to end it. */
export interface ProcRecord {
  pid: number;
  role: 'head' | 'worker';
  address: string;
  httpAddress?: string;
  tokenFile?: string;
  sessionDir?: string;
  startedAt: number;
}

function procsDir(): string {
  return path.join(convoyHome(), 'procs');
}

function recordFile(rec: Pick<ProcRecord, 'role' | 'pid'>): string {
  return path.join(procsDir(), `${rec.role}-${rec.pid}.json`);
}

/** Writes the record (atomically: readers never see half of one); the returned function removes it. */
export function recordProcess(rec: ProcRecord): () => void {
  mkdirSync(procsDir(), { recursive: true, mode: 0o700 });
  const file = recordFile(rec);
  writeFileSync(`${file}.tmp`, JSON.stringify(rec), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  return () => rmSync(file, { force: true });
}

/**
 * The records of live processes. A record whose process is gone (killed, crashed, machine rebooted without
 * clearing the folder) is removed on the way, so nobody connects to or signals a dead pid.
 */
export function listProcesses(): ProcRecord[] {
  let names: string[];
  try {
    names = readdirSync(procsDir());
  } catch {
    return [];
  }
  const out: ProcRecord[] = [];
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    let rec: ProcRecord;
    try {
      rec = JSON.parse(readFileSync(path.join(procsDir(), name), 'utf8')) as ProcRecord;
    } catch {
      continue; // removed while we read the folder
    }
    if (isAlive(rec.pid)) out.push(rec);
    else forgetProcess(rec);
  }
  return out;
}

/** The newest live head that `convoy start --head` started on this machine, if any. */
export function recordedHead(): ProcRecord | undefined {
  return listProcesses()
    .filter((p) => p.role === 'head')
    .sort((a, b) => b.startedAt - a.startedAt)[0];
}

export function forgetProcess(rec: Pick<ProcRecord, 'role' | 'pid'>): void {
  rmSync(recordFile(rec), { force: true });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // ESRCH: gone. EPERM: the pid was reused by another user's process, so it is not the one we recorded.
    return false;
  }
}
