/**
 * Uploaded job directories on a worker: fetched from the head's HTTP API once per package id, checked and
 * extracted into the node's cache, given the dependencies the job's driver has (its lockfile's install, or
 * the cluster's own: package-dependencies.ts), then task modules are imported from there.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { DependencyInstaller } from '../common/package-dependencies.ts';
import { extractPackage } from '../common/package-extract.ts';
import { convoyHome } from '../common/paths.ts';
import { SingleFlight } from '../common/single-flight.ts';
import { convoyRoot } from '../common/spawn.ts';

export class PackageCache {
  readonly #dir: string;
  readonly #downloads = new SingleFlight<string, string>();
  readonly #dependencies: DependencyInstaller;
  #headHttp: string | undefined;

  constructor(
    dir: string,
    private readonly token: string,
    /** Where lockfile installs are cached: shared with the head and other workers of this user here. */
    dependencyCacheDir = path.join(convoyHome(), 'runtime_env', 'npm'),
  ) {
    this.#dir = dir;
    this.#dependencies = new DependencyInstaller({ cacheDir: dependencyCacheDir, clusterRoot: convoyRoot() });
  }

  set headHttpAddress(addr: string) {
    this.#headHttp = addr;
  }

  ensure(packageId: string): Promise<string> {
    if (!/^[0-9a-f]{8,64}$/.test(packageId)) return Promise.reject(new TypeError(`invalid package id ${packageId}`));
    const dest = path.join(this.#dir, packageId);
    if (existsSync(dest)) return Promise.resolve(dest);
    return this.#downloads.run(packageId, () => this.#download(packageId, dest));
  }

  async #download(packageId: string, dest: string): Promise<string> {
    if (!this.#headHttp) throw new Error('this node has not registered with a head yet, so it cannot fetch packages');
    const res = await fetch(`http://${this.#headHttp}/api/packages/${packageId}`, {
      headers: { authorization: `Bearer ${this.token}` },
    });
    if (!res.ok || !res.body) throw new Error(`fetching package ${packageId} from the head failed: HTTP ${res.status}`);
    // Extract beside the final folder, then rename: a crash mid-way never leaves a half package in use.
    const tmp = `${dest}.tmp-${process.pid}-${Date.now()}`;
    const archive = `${tmp}.tar.gz`;
    await mkdir(this.#dir, { recursive: true });
    try {
      // To a file, not memory: extraction reads it once to check and once to write.
      await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(archive, { mode: 0o600 }));
      await extractPackage(archive, tmp);
    } finally {
      await rm(archive, { force: true });
    }
    try {
      await this.#dependencies.prepare(tmp);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
    try {
      await rename(tmp, dest);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      if (!existsSync(dest)) throw err;
    }
    return dest;
  }
}
