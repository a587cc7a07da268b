/**
 * {@link ObjectStorage} on a local folder: one file per key.
 *
 * Atomic puts follow the classic write-then-rename: bytes go to a hidden temporary file in the target's own
 * folder (same file system, so `rename` is atomic) and only a complete file is renamed over the key. A reader,
 * this class or DuckDB globbing `*.parquet`, sees the old file or the whole new one, never a prefix; temporary
 * names start with `.` and end with `.tmp`, so neither `list()` nor such globs pick them up.
 *
 * Folders are created on demand and removed again when a delete or move leaves them empty, and many writers
 * (the shards of a collection, in several threads and processes) share folders such as the lake's
 * `_staging/`. So a folder may vanish between its creation and the write into it. Node's recursive `mkdir`
 * cannot be used for this: when a parent disappears between its `mkdir` (EEXIST) and the `stat` that follows,
 * it fails with a spurious ENOTDIR. {@link LocalStorage.#inFolder} instead creates one level at a time (one
 * atomic syscall each, EEXIST accepted as is) and retries the write itself: once the write's file exists, the
 * folder is not empty and no prune can remove it.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ObjectNotFoundError, StorageError } from './errors.ts';
import { assertValidKey, assertValidPrefix } from './keys.ts';
import type { ObjectStorage } from './types.ts';

const TEMP_FILE = /^\..+\.[0-9a-f-]{36}\.tmp$/;

/**
 * How often a write is retried because a concurrent delete removed its (empty) folder. Each retry means some
 * other writer emptied and pruned that very folder meanwhile, so a handful is plenty; the bound only stops a
 * loop that would never end (a folder that something else keeps deleting).
 */
const FOLDER_RACE_ATTEMPTS = 64;

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
      // The open temporary file keeps its folder from being pruned until the rename (same folder) is done.
      const handle = await this.#inFolder(dirname(temp), () => open(temp, 'wx'));
      try {
        if (body instanceof Uint8Array) await handle.writeFile(body);
        else await pipeline(Readable.from(body), handle.createWriteStream()); // the stream closes the handle
      } finally {
        await handle.close(); // no-op when already closed
      }
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
    try {
      await this.#inFolder(dirname(target), async () => {
        try {
          await rename(source, target);
        } catch (error) {
          // ENOENT is either side: only a missing target folder is worth creating and retrying.
          if (isMissing(error) && !(await exists(source))) throw new ObjectNotFoundError(this.url, from, 'move');
          throw error;
        }
      });
    } catch (error) {
      if (error instanceof ObjectNotFoundError) throw error;
      throw new StorageError(this.url, 'move', from, { cause: error });
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

  /**
   * Runs `create` (which makes an entry inside `folder`), creating the folder chain when it is missing and
   * trying again when a concurrent prune removed it in between (see the module comment).
   */
  async #inFolder<T>(folder: string, create: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await create();
      } catch (error) {
        if (!isMissing(error) || attempt >= FOLDER_RACE_ATTEMPTS) throw error;
      }
      await makeFolder(folder);
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

/**
 * `mkdir -p` without the race of Node's recursive mkdir: each level is one `mkdir`; EEXIST is accepted without a
 * `stat` (should the entry be a file, the write that follows reports ENOTDIR), and a parent that vanished (ENOENT)
 * is made again.
 */
async function makeFolder(folder: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await mkdir(folder);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return;
      if (code !== 'ENOENT' || attempt >= FOLDER_RACE_ATTEMPTS || dirname(folder) === folder) throw error;
    }
    await makeFolder(dirname(folder));
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
