import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Storage } from '../../cluster/storage/s3.ts';
import { startTestCluster, eventually, type TestCluster } from '../helpers/cluster.ts';
import { startS3Server, type S3TestServer } from '../storage/s3-server.ts';

const MiB = 1024 * 1024;
let s3: S3TestServer;
let t: TestCluster;

async function spilledKeys(): Promise<string[]> {
  const storage = new S3Storage({ ...s3.options, bucket: s3.bucket, prefix: 'spill' });
  const keys: string[] = [];
  for await (const o of storage.list()) keys.push(o.key);
  return keys;
}

beforeAll(async () => {
  s3 = await startS3Server('convoy-spill');
  // Workers take S3 credentials from the standard AWS chain, as they would on a cloud VM.
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  t = await startTestCluster({
    workers: 1,
    cpusPerWorker: 1,
    objectStoreMemory: 8 * MiB,
    spillTo: `s3://${s3.bucket}/spill`,
    spillDiskBytes: 8 * MiB,
    spillS3: { endpoint: s3.endpoint, forcePathStyle: true },
  });
});
afterAll(async () => {
  await t?.stop();
  await s3?.stop();
});

describe('spilling to S3', () => {
  it('moves objects past the local disk limit to S3, reads them back intact, and deletes them on free', async () => {
    const c = t.cluster;
    const values = Array.from({ length: 8 }, (_, i) => new Float64Array(MiB / 2).map((_, j) => i * 1e6 + j)); // 4 MiB each
    const sums = values.map((v) => createHash('sha256').update(new Uint8Array(v.buffer)).digest('hex'));
    const refs = values.map((v) => c.put(v));
    await c.wait(refs, { numReturns: refs.length });
    await eventually(async () => (await spilledKeys()).length >= 3, 30_000, 'objects moved to S3');
    const keys = await spilledKeys();
    expect(keys.every((k) => k.startsWith(`${t.local.workers[0]!.nodeId}/`))).toBe(true);
    for (let i = 0; i < refs.length; i++) {
      const back = await c.get(refs[i]!);
      expect(createHash('sha256').update(new Uint8Array(back.buffer, back.byteOffset, back.byteLength)).digest('hex')).toBe(sums[i]);
    }
    c.free(refs);
    await eventually(async () => (await spilledKeys()).length === 0, 30_000, 'S3 copies deleted');
  });
});
