/**
 * {@link ObjectStorage} on a local folder: one file per key.
 *
 * Atomic puts follow the classic write-then-rename: bytes go to a hidden temporary file in the target's own
 * folder (same file system, so `rename` is atomic) and only a complete file is renamed over the key. A reader,
 * this class or DuckDB globbing `*.parquet`, sees the old file or the whole new one, never a prefix; temporary
 * names start with `.` and end with `.tmp`, so neither `list()` nor such globs pick them up.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ObjectNotFoundError, StorageError } from './errors.ts';
import { assertValidKey, assertValidPrefix } from './keys.ts';
import type { ObjectStorage } from './types.ts';

const TEMP_FILE = /^\..+\.[0-9a-f-]{36}\.tmp$/;

export class LocalStorage implements ObjectStorage {
  readonly url: string;
  readonly #root: string;

  /** @param root folder holding the objects; created on the first put. Relative paths resolve against the cwd. */
  constructor(root: string) {
    this.#root = resolve(root);
    this.url = this.#root;
  }

  async put(key: string, body: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    const path = this.#path(key);
    const temp = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
    try {
      await this.#writeTemp(temp, body);
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw new StorageError(this.url, 'put', key, { cause: error });
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const path = this.#path(key);
    try {
      const buffer = await readFile(path);
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw new StorageError(this.url, 'get', key, { cause: error });
    }
  }

  async getRange(key: string, start: number, end: number): Promise<Uint8Array> {
    const path = this.#path(key);
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end >= start)) {
      throw new RangeError(`getRange(${JSON.stringify(key)}, ${start}, ${end}): need integers 0 <= start <= end.`);
    }
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if (isMissing(error)) throw new ObjectNotFoundError(this.url, key, 'getRange');
      throw new StorageError(this.url, 'getRange', key, { cause: error });
    }
    try {
      const out = new Uint8Array(end - start);
      let filled = 0;
      while (filled < out.length) {
        const { bytesRead } = await handle.read(out, filled, out.length - filled, start + filled);
        if (bytesRead === 0) {
          throw new RangeError(`range [${start}, ${end}) ends past the end of the object (${start + filled} bytes)`);
        }
        filled += bytesRead;
      }
      return out;
    } catch (error) {
      throw new StorageError(this.url, 'getRange', key, { cause: error });
    } finally {
      await handle.close();
    }
  }

  async size(key: string): Promise<number | undefined> {
    try {
      const info = await stat(this.#path(key));
      return info.isFile() ? info.size : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw new StorageError(this.url, 'size', key, { cause: error });
    }
  }

  async *list(prefix = ''): AsyncIterable<{ key: string; size: number }> {
    assertValidPrefix(prefix);
    // Walk only the folder that can hold matches: for `date=2026-01-01/ci` that is `date=2026-01-01/`.
    const folderPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const found: { key: string; size: number }[] = [];
    await this.#walk(folderPart, prefix, found);
    found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    yield* found;
  }

  async delete(key: string): Promise<void> {
    const path = this.#path(key);
    try {
      await unlink(path);
    } catch (error) {
      if (isMissing(error)) return;
      throw new StorageError(this.url, 'delete', key, { cause: error });
    }
    await this.#pruneEmptyFolders(dirname(path));
  }

  async move(from: string, to: string): Promise<void> {
    const source = this.#path(from);
    const target = this.#path(to);
    for (let attempt = 0; ; attempt++) {
      try {
        await mkdir(dirname(target), { recursive: true });
        await rename(source, target);
        break;
      } catch (error) {
        if (!isMissing(error)) throw new StorageError(this.url, 'move', from, { cause: error });
        const sourceExists = await stat(source).then(
          () => true,
          () => false,
        );
        if (!sourceExists) throw new ObjectNotFoundError(this.url, from, 'move');
        // The target folder vanished between mkdir and rename (a concurrent delete pruned it): try again.
        if (attempt >= 3) throw new StorageError(this.url, 'move', from, { cause: error });
      }
    }
    await this.#pruneEmptyFolders(dirname(source));
  }

  filePath(key: string): string {
    return this.#path(key);
  }

  async close(): Promise<void> {}

  #path(key: string): string {
    assertValidKey(key);
    return join(this.#root, ...key.split('/'));
  }

  async #writeTemp(temp: string, body: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    // A concurrent delete may prune the (empty) folder between mkdir and open; recreate it and retry.
    for (let attempt = 0; ; attempt++) {
      await mkdir(dirname(temp), { recursive: true });
      try {
        if (body instanceof Uint8Array) await writeFile(temp, body, { flag: 'wx' });
        else await pipeline(Readable.from(body), createWriteStream(temp, { flags: 'wx' }));
        return;
      } catch (error) {
        if (!isMissing(error) || attempt >= 3 || !(body instanceof Uint8Array)) throw error;
      }
    }
  }

  async #walk(relativeFolder: string, prefix: string, found: { key: string; size: number }[]): Promise<void> {
    const folder = relativeFolder === '' ? this.#root : join(this.#root, ...relativeFolder.split('/'));
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw new StorageError(this.url, 'list', relativeFolder || undefined, { cause: error });
    }
    for (const entry of entries) {
      const key = relativeFolder === '' ? entry.name : `${relativeFolder}/${entry.name}`;
      if (entry.isDirectory()) {
        // Descend only where the folder can still match the prefix (either is a prefix of the other).
        const asFolder = `${key}/`;
        if (asFolder.startsWith(prefix) || prefix.startsWith(asFolder)) await this.#walk(key, prefix, found);
      } else if (entry.isFile() && key.startsWith(prefix) && !TEMP_FILE.test(entry.name)) {
        const info = await stat(join(folder, entry.name)).catch(() => undefined);
        if (info) found.push({ key, size: info.size });
      }
    }
  }

  /** Removes folders left empty by a delete or move, up to (not including) the root, so the tree stays tidy. */
  async #pruneEmptyFolders(folder: string): Promise<void> {
    let current = folder;
    while (current.startsWith(this.#root + sep) && current !== this.#root) {
      try {
        await rmdir(current);
      } catch {
        return; // not empty, already gone, or busy: all mean "stop here"
      }
      current = dirname(current);
    }
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
