/**
 * Races in s3rver 3.7's filesystem store (the last release; jamhall/s3rver#788 is open), fixed the way other
 * S3-compatible servers on a file system fixed the same ones. Each comes from mapping S3's flat keys to
 * folders, so real S3 has none of them, and tests that put, list and delete keys under one prefix at once (as
 * the object store's S3 spill tier does) would otherwise be testing the emulator:
 *
 * - `deleteObject` removes the key's folders once they look empty (readdir, then rmdir). Between a concurrent
 *   put's mkdir and its open, that removes the folder the put is about to write in; s3rver's write stream has
 *   no error listener, so the test process gets an uncaught `ENOENT … <key>._S3rver_object` and the PUT never
 *   answers. Two deletes pruning one folder fail one of them with ENOENT (a 500).
 * - `putObject` answers before a streamed body is in the file (it waits for its hashing transform, not for the
 *   file), so a GET right after the PUT can read a short object.
 * - `listObjects` walks the folders with readdirSync and statSync, and fails (a 500) when a concurrent delete
 *   removes an entry between the two.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

interface StoredObject {
  bucket: string;
  key: string;
  content: Buffer | NodeJS.ReadableStream;
  metadata: Record<string, string>;
}

/** The part of s3rver's FilesystemStore (lib/stores/filesystem.js) these fixes replace or use. */
export interface FilesystemStore {
  getBucketPath(bucket: string): string;
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
  deleteObject(bucket: string, key: string): Promise<void>;
  listObjects(bucket: string, options: unknown): Promise<unknown>;
}

const code = (err: unknown) => (err as NodeJS.ErrnoException).code;

export function fixFilesystemStore(store: FilesystemStore): void {
  store.putObject = async (object) => {
    const out = await createInFolder(store.getResourcePath(object.bucket, object.key, 'object'));
    const md5 = createHash('md5');
    let size = 0;
    const hash = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        md5.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const body = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : (object.content as Readable);
    await pipeline(body, hash, out); // settles once the file is written and closed, and on any error
    const digest = md5.digest('hex');
    await store.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };

  store.deleteObject = async (bucket, key) => {
    await Promise.all(['object', 'object.md5', 'metadata.json'].map((r) => rm(store.getResourcePath(bucket, key, r), { force: true })));
    // Prune the key's empty folders, as s3rver does, but with rmdir alone: it fails on a folder a put has just
    // written into (ENOTEMPTY), and a folder another delete pruned first is simply gone (ENOENT).
    const root = store.getBucketPath(bucket);
    for (const parts = key.split('/').slice(0, -1); parts.length > 0; parts.pop()) {
      try {
        await rmdir(join(root, ...parts));
      } catch (err) {
        if (code(err) === 'ENOTEMPTY' || code(err) === 'EEXIST') return;
        if (code(err) !== 'ENOENT') throw err;
      }
    }
  };

  const listObjects = store.listObjects.bind(store);
  store.listObjects = async (bucket, options) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await listObjects(bucket, options);
      } catch (err) {
        // An entry deleted while the walk looked at it: the next walk no longer meets it.
        if (code(err) !== 'ENOENT' || attempt === 10) throw err;
      }
    }
  };
}

/** A write stream on a new `file`, making its folder; made again when a delete pruned it before the open. */
async function createInFolder(file: string): Promise<Writable> {
  for (let attempt = 1; ; attempt++) {
    await mkdir(dirname(file), { recursive: true });
    try {
      return (await open(file, 'w')).createWriteStream();
    } catch (err) {
      if (code(err) !== 'ENOENT' || attempt === 10) throw err;
    }
  }
}
