import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlStoreContentError, ControlStoreUnavailableError, IllegalStateError } from '../../cluster/common/errors.ts';
import type { ObjectRecord } from '../../cluster/head/control/records.ts';
import { RedisControlStore } from '../../cluster/head/control/redis-store.ts';
import { redisUnavailable, startRedis, type TestRedis } from '../helpers/redis.ts';
import { controlStoreSuite } from './control-store.suite.ts';

const unavailable = redisUnavailable();
if (unavailable) console.warn(`Redis control store tests skipped: ${unavailable}`);

const object = (id: string, size = 1): ObjectRecord => ({ objectId: id, nodes: ['n1'], size, owner: 'c1' });

describe.skipIf(unavailable !== undefined)('RedisControlStore', () => {
  let redis: TestRedis;
  let n = 0;
  /** Each test its own prefix on the one server, so none sees another's rows. */
  const url = (prefix = `t${n++}`) => `${redis.url}?prefix=${prefix}`;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.stop());

  controlStoreSuite('redis', () => RedisControlStore.open(url()));

  it('shows a second store on the same Redis what the first flushed, in the same order', async () => {
    const at = url();
    const first = await RedisControlStore.open(at);
    for (const id of ['c', 'a', 'b', 'd']) first.objects.put(id, object(id));
    first.objects.put('a', object('a', 99));
    first.objects.delete('b');
    first.objects.put('b', object('b', 7));
    await first.flush();

    const second = await RedisControlStore.open(at);
    expect(second.objects.keys()).toEqual(['c', 'a', 'd', 'b']);
    expect(second.objects.get('a')).toEqual(object('a', 99));
    await second.close();
    // The first is still open: its later writes go on, and numbering after a reopen follows its own.
    first.objects.put('e', object('e'));
    await first.close();
    const third = await RedisControlStore.open(at);
    third.objects.put('f', object('f'));
    await third.close();
    const fourth = await RedisControlStore.open(at);
    expect(fourth.objects.keys()).toEqual(['c', 'a', 'd', 'b', 'e', 'f']);
    await fourth.close();
  });

  it('keeps two prefixes on one server apart', async () => {
    const a = await RedisControlStore.open(url('cluster-a'));
    const b = await RedisControlStore.open(url('cluster-b'));
    a.jobs.put('j', { info: { jobId: 'j' }, fingerprint: 'a', logPath: '' } as never);
    b.jobs.put('j', { info: { jobId: 'j' }, fingerprint: 'b', logPath: '' } as never);
    b.nodes.put('n', { nodeId: 'n' } as never);
    await Promise.all([a.close(), b.close()]);
    const a2 = await RedisControlStore.open(url('cluster-a'));
    expect(a2.jobs.get('j')!.fingerprint).toBe('a');
    expect(a2.nodes.size()).toBe(0);
    await a2.close();
  });

  it('waits out a server that stops answering: flush() gives up naming the URL, the writes go out when it answers', async () => {
    const store = await RedisControlStore.open(url('paused'), { flushTimeoutMs: 300 });
    store.objects.put('before', object('before'));
    await store.flush();
    redis.pause();
    try {
      store.objects.put('during', object('during'));
      const err = await store.flush().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ControlStoreUnavailableError);
      expect((err as Error).message).toContain(`${redis.url}?prefix=paused`);
      expect((err as Error).message).toMatch(/keeps the changed rows/);
      store.objects.put('later', object('later'));
    } finally {
      redis.resume();
    }
    await store.close();
    const again = await RedisControlStore.open(url('paused'));
    expect(again.objects.keys()).toEqual(['before', 'during', 'later']);
    await again.close();
  });

  it('reconnects after the server went away and writes what changed meanwhile', async () => {
    const persistent = await startRedis({ persist: true });
    try {
      const store = await RedisControlStore.open(persistent.url, { flushTimeoutMs: 30_000 });
      store.objects.put('a', object('a'));
      await store.flush();
      await persistent.crash();
      store.objects.put('b', object('b'));
      store.objects.delete('a');
      // The write goes out on this turn, to a server that is gone.
      await new Promise((r) => setImmediate(r));
      await persistent.revive();
      await store.flush();
      await store.close();
      const again = await RedisControlStore.open(persistent.url);
      expect(again.objects.keys()).toEqual(['b']);
      await again.close();
    } finally {
      await persistent.stop();
    }
  });

  it('refuses a prefix holding keys that are not a Convoy store, and a newer layout', async () => {
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      await raw.set('someapp:sessions', 'x');
      const foreign = await openError(url('someapp'));
      expect(foreign).toBeInstanceOf(ControlStoreContentError);
      expect((foreign as ControlStoreContentError).problem).toBe('foreign');
      expect(foreign.message).toMatch(/not a Convoy control store.*\?prefix=/);
      expect(await raw.get('someapp:sessions')).toBe('x');

      await raw.set('future:format', 'convoy-control-store 99');
      const newer = await openError(url('future'));
      expect((newer as ControlStoreContentError).problem).toBe('newer');
      expect(newer.message).toContain('store layout 99');
    } finally {
      raw.destroy();
    }
  });

  it('says which server it cannot reach, without the password', async () => {
    const err = await openError(`redis://admin:s3cret-pw@127.0.0.1:1/0?prefix=x`, { connectTimeoutMs: 500 });
    expect(err).toBeInstanceOf(ControlStoreUnavailableError);
    expect(err.message).toContain('redis://admin:***@127.0.0.1:1/0?prefix=x');
    expect(err.message).not.toContain('s3cret-pw');
    expect(JSON.stringify((err as ControlStoreUnavailableError).toData())).not.toContain('s3cret-pw');
  });

  it('gives up at once on a wrong password, and does not show it', async () => {
    const guarded = await startRedis({ password: 'right-one' });
    try {
      // A connect timeout far past the test's own: only giving up on the refusal itself can pass.
      const err = await openError(`redis://:wrong-one@127.0.0.1:${guarded.port}`, { connectTimeoutMs: 600_000 });
      expect(err).toBeInstanceOf(ControlStoreUnavailableError);
      expect(err.message).toMatch(/WRONGPASS|password/i);
      expect(err.message).not.toContain('wrong-one');
      const store = await RedisControlStore.open(`redis://:right-one@127.0.0.1:${guarded.port}`);
      store.meta.put('head', { tokenHash: 't' } as never);
      await store.close();
    } finally {
      await guarded.stop();
    }
  }, 60_000);

  it('takes no writes once closed', async () => {
    const store = await RedisControlStore.open(url());
    await store.close();
    await store.close();
    expect(() => store.objects.put('a', object('a'))).toThrow(IllegalStateError);
  });

  it('writes a burst of changes in order, the last value of each key winning', async () => {
    const at = url();
    const store = await RedisControlStore.open(at);
    for (let i = 0; i < 2000; i++) {
      store.objects.put(`o${i % 100}`, object(`o${i % 100}`, i));
      if (i % 250 === 0) await new Promise((r) => setImmediate(r));
    }
    await store.close();
    const again = await RedisControlStore.open(at);
    expect(again.objects.size()).toBe(100);
    expect(again.objects.get('o7')!.size).toBe(1907);
    expect(again.objects.keys().slice(0, 3)).toEqual(['o0', 'o1', 'o2']);
    await again.close();
  });
});

async function openError(url: string, opts?: Parameters<typeof RedisControlStore.open>[1]): Promise<Error> {
  try {
    const store = await RedisControlStore.open(url, opts);
    await store.close();
  } catch (err) {
    return err as Error;
  }
  throw new Error(`opening ${url} did not fail`);
}
