/**
 * The first spill tier: one file per object in a folder of the node's own, made (mode 0700) on the first
 * spill and removed whole when the store closes, so no spill file outlives its node (leaked spill files that
 * fill disks are the most common complaint about Ray's store).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { open, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { SpillTier } from './spill-tier.ts';

export class DiskTier implements SpillTier {
  #dirReady = false;

  constructor(readonly dir: string) {}

  get name(): string {
    return this.dir;
  }

  locate(id: string): string {
    return path.join(this.dir, encodeURIComponent(id));
  }

  /** Makes the folder first, synchronously: a folder that cannot be made fails the spill at once. */
  write(id: string, bytes: Uint8Array): Promise<void> {
    if (!this.#dirReady) {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      this.#dirReady = true;
    }
    return writeFile(this.locate(id), bytes);
  }

  async read(id: string, size: number, allocate: (size: number) => Uint8Array): Promise<Uint8Array> {
    const fh = await open(this.locate(id), 'r');
    try {
      return await readWhole(fh, allocate(size));
    } finally {
      await fh.close();
    }
  }

  delete(id: string): Promise<void> {
    return unlink(this.locate(id));
  }

  /** Removes the folder and whatever is left in it. */
  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function readWhole(fh: FileHandle, out: Uint8Array): Promise<Uint8Array> {
  const size = out.byteLength;
  let off = 0;
  while (off < size) {
    const { bytesRead } = await fh.read(out, off, size - off, off);
    if (bytesRead === 0) throw new Error(`spill file is shorter than the object (${off} of ${size} bytes)`);
    off += bytesRead;
  }
  return out;
}
