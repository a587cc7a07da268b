/**
 * A real S3 endpoint for tests: s3rver on 127.0.0.1, an OS-chosen port, a fresh folder and bucket.
 * `stop()` always runs in afterAll and removes the folder. s3rver's store is patched for its concurrency bugs
 * (s3rver-store-fixes.ts), so that concurrent requests behave as on S3.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import type { S3StorageOptions } from '../../cluster/storage/index.ts';
import { fixFilesystemStore } from './s3rver-store-fixes.ts';

export interface S3TestServer {
  endpoint: string;
  bucket: string;
  /** Options for S3Storage / openStorage(`s3://…`, { s3 }) pointing at this server. */
  options: Omit<S3StorageOptions, 'bucket' | 'prefix'>;
  /** Object events seen by the server, e.g. `ObjectCreated:Post` for a completed multipart upload. */
  events: { name: string; key: string }[];
  stop(): Promise<void>;
}

export async function startS3Server(bucket = 'convoy-test'): Promise<S3TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 'convoy-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  fixFilesystemStore(server.store); // s3rver's races between puts, lists and deletes under one prefix
  const events: { name: string; key: string }[] = [];
  server.on('event', (event) => {
    for (const record of event.Records) events.push({ name: record.eventName, key: decodeURIComponent(record.s3.object.key) });
  });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    endpoint,
    bucket,
    events,
    options: {
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    },
    async stop() {
      await server.close().catch(() => {});
      await rm(directory, { recursive: true, force: true });
    },
  };
}
