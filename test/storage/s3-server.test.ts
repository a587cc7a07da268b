import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Storage } from '../../cluster/storage/index.ts';
import { startS3Server, type S3TestServer } from './s3-server.ts';

let s3: S3TestServer;
beforeAll(async () => {
  s3 = await startS3Server('convoy-s3rver');
});
afterAll(async () => s3?.stop());

describe('the test S3 server under concurrent requests', () => {
  it('puts, lists and deletes keys under one prefix at once as S3 does: every request succeeds, every put reads back whole', async () => {
    // Without the fixes the server throws an uncaught ENOENT here (which fails this file) and leaves the put
    // unanswered; the SDK's retries stay on, as a keep-alive socket the server closes is reset now and then.
    const storage = new S3Storage({ ...s3.options, bucket: s3.bucket, prefix: 'race' });
    const body = (i: number) => new Uint8Array(256 * 1024).fill(i);
    // Each round writes two keys of one folder while deleting the previous round's and listing the folder: a
    // delete that empties the folder meets puts that are about to write into it.
    for (let round = 0; round < 20; round++) {
      const folder = `node-${round % 2}`;
      await Promise.all([
        storage.put(`${folder}/a${round}`, body(round)),
        storage.put(`${folder}/b${round}`, body(round + 1)),
        storage.delete(`${folder}/a${round - 2}`),
        storage.delete(`${folder}/b${round - 2}`),
        (async () => {
          for await (const _ of storage.list(`${folder}/`));
        })(),
      ]);
      expect(Buffer.from((await storage.get(`${folder}/a${round}`))!).equals(body(round))).toBe(true);
      expect(Buffer.from((await storage.get(`${folder}/b${round}`))!).equals(body(round + 1))).toBe(true);
    }
    const left: string[] = [];
    for await (const o of storage.list()) left.push(o.key);
    expect(left.sort()).toEqual(['node-0/a18', 'node-0/b18', 'node-1/a19', 'node-1/b19']);
  });
});
