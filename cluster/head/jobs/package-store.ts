/**
 * The head's uploaded working directories, one `ID.tar.gz` each, named by the sha256 of the archive so the
 * same directory is stored once. An upload streams to a staging folder (never held in memory), is then
 * checked and extracted there exactly as a job start or a worker will extract it (package-extract.ts: sizes
 * while inflating, paths, every symlink against the real tree), and only then takes its place: a package that
 * would fail at job start is refused at upload, and a refused one leaves nothing behind.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UploadError } from '../../common/errors.ts';
import { extractPackage, type ExtractedPackage } from '../../common/package-extract.ts';

const STAGING_PREFIX = '.upload-';

export class PackageStore {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Staging folders of uploads a killed head never finished.
    for (const name of readdirSync(dir)) if (name.startsWith(STAGING_PREFIX)) rmSync(path.join(dir, name), { recursive: true, force: true });
  }

  /** Streams an upload in, checks it by extracting it, and keeps the archive; returns its content id. */
  async store(body: Readable): Promise<{ id: string } & ExtractedPackage> {
    const staging = await mkdtemp(path.join(this.dir, STAGING_PREFIX));
    try {
      const archive = path.join(staging, 'archive.tar.gz');
      const hash = createHash('sha256');
      const hashing = new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      });
      await pipeline(body, hashing, createWriteStream(archive, { mode: 0o600 }));
      const counted = await extractPackage(archive, path.join(staging, 'tree'));
      const id = hash.digest('hex').slice(0, 32);
      const file = this.path(id);
      if (!existsSync(file)) await rename(archive, file);
      return { id, ...counted };
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  path(id: string): string {
    if (!/^[0-9a-f]{8,64}$/.test(id)) throw new UploadError(`invalid package id "${id}"`);
    return path.join(this.dir, `${id}.tar.gz`);
  }

  /** Extracts a stored package into `dest` (which must not exist), with every check made at upload. */
  async extract(id: string, dest: string): Promise<void> {
    const file = this.path(id);
    if (!existsSync(file)) throw new UploadError(`package ${id} was not uploaded to this head`);
    await extractPackage(file, dest);
  }
}
