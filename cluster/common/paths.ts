/**
 * Where a machine's Convoy state lives: `$CONVOY_HOME` (default `<tmpdir>/convoy`), with one session folder
 * per head (token, logs, job packages) and a `session_latest` link, as Ray keeps /tmp/ray/session_latest.
 * `procs/` holds one file per running Convoy process so `convoy stop` can find them.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function convoyHome(): string {
  return process.env.CONVOY_HOME ?? path.join(os.tmpdir(), 'convoy');
}

export function newSessionDir(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '_');
  const dir = path.join(convoyHome(), `session_${stamp}_${process.pid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const latest = path.join(convoyHome(), 'session_latest');
  const tmp = `${latest}.${process.pid}`;
  try {
    rmSync(tmp, { force: true });
    symlinkSync(dir, tmp);
    renameSync(tmp, latest);
  } catch {
    // Another head on this machine raced us for the link; the link is a convenience only.
  }
  return dir;
}

export function latestSessionDir(): string {
  return path.join(convoyHome(), 'session_latest');
}

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

export function recordProcess(rec: ProcRecord): () => void {
  mkdirSync(procsDir(), { recursive: true, mode: 0o700 });
  const file = path.join(procsDir(), `${rec.role}-${rec.pid}.json`);
  writeFileSync(file, JSON.stringify(rec), { mode: 0o600 });
  return () => rmSync(file, { force: true });
}

export function listProcesses(): ProcRecord[] {
  let names: string[];
  try {
    names = readdirSync(procsDir());
  } catch {
    return [];
  }
  const out: ProcRecord[] = [];
  for (const name of names) {
    try {
      out.push(JSON.parse(readFileSync(path.join(procsDir(), name), 'utf8')) as ProcRecord);
    } catch {
      // a half-written record from a process that is starting; skip it
    }
  }
  return out;
}

export function forgetProcess(rec: ProcRecord): void {
  rmSync(path.join(procsDir(), `${rec.role}-${rec.pid}.json`), { force: true });
}
