/**
 * Replacing a small file so that readers see the old contents or the whole new ones, never a prefix: write a
 * temporary file beside it (same file system, so `rename` is atomic), then rename it over the target.
 *
 * Each write has a temporary name of its own (the writer's pid, for whoever finds one left by a crash, and a
 * random UUID, unique across threads and machines sharing a folder). A fixed name such as `run.json.tmp`
 * breaks as soon as two writers meet: one renames the other's half-written file into place, or finds its own
 * temporary file already renamed away (`ENOENT: rename 'run.json.tmp' -> 'run.json'`).
 */
import { randomUUID } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The temporary file one write of `file` goes through: hidden, beside it, and named for this write alone. */
export function temporaryNameFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomUUID()}.tmp`);
}

/** Writes `data` to `file` atomically (see the module comment). The temporary file never outlives a failure. */
export function writeFileAtomicSync(file: string, data: string | Uint8Array, options: { mode?: number } = {}): void {
  const temp = temporaryNameFor(file);
  try {
    writeFileSync(temp, data, { mode: options.mode });
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
