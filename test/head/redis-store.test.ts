import os from 'node:os';
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

  it('shows the next head on the same Redis what the one before flushed, in the same order', async () => {
    const at = url();
    const first = await RedisControlStore.open(at);
    for (const id of ['c', 'a', 'b', 'd']) first.objects.put(id, object(id));
    first.objects.put('a', object('a', 99));
    first.objects.delete('b');
    first.objects.put('b', object('b', 7));
    first.objects.put('e', object('e'));
    await first.close();

    const second = await RedisControlStore.open(at);
    expect(second.objects.keys()).toEqual(['c', 'a', 'd', 'b', 'e']);
    expect(second.objects.get('a')).toEqual(object('a', 99));
    // Numbering after a reopen follows the one before.
    second.objects.put('f', object('f'));
    await second.close();
    const third = await RedisControlStore.open(at);
    expect(third.objects.keys()).toEqual(['c', 'a', 'd', 'b', 'e', 'f']);
    await third.close();
  });

  it('refuses a second head on a store another head holds, naming it, and takes the store once that head closes it', async () => {
    const at = url();
    const first = await RedisControlStore.open(at);
    first.objects.put('a', object('a'));
    await first.flush();
    const refused = await openError(at, { lock: { waitMs: 300 } });
    expect(refused).toBeInstanceOf(ControlStoreContentError);
    expect((refused as ControlStoreContentError).problem).toBe('locked');
    expect(refused.message).toContain(`pid ${process.pid}`);
    expect(refused.message).toMatch(/stop that head first/);
    // The refused open wrote nothing: the holder's rows and lease are as they were.
    first.objects.put('b', object('b'));
    await first.close();
    const second = await RedisControlStore.open(at, { lock: { waitMs: 300 } });
    expect(second.objects.keys()).toEqual(['a', 'b']);
    await second.close();
  });

  it("takes over at once the lease of a head of this machine that died, and waits out another machine's until it expires", async () => {
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      // A pid no process has: the head that held it is gone.
      const dead = JSON.stringify({ id: 'x', host: os.hostname(), pid: 2 ** 22 + 7, identity: 'gone', since: Date.now() });
      await raw.set('crashed:head-lock', dead, { expiration: { type: 'PX', value: 600_000 } });
      const taken = await RedisControlStore.open(url('crashed'), { lock: { waitMs: 0 } });
      expect(JSON.parse((await raw.get('crashed:head-lock'))!).pid).toBe(process.pid);
      await taken.close();
      expect(await raw.get('crashed:head-lock')).toBeNull();

      const remote = JSON.stringify({ id: 'y', host: 'another-machine', pid: 1, identity: '', since: Date.now() });
      await raw.set('remote:head-lock', remote, { expiration: { type: 'PX', value: 600 } });
      const waited = await RedisControlStore.open(url('remote'), { lock: { waitMs: 10_000 } });
      expect(JSON.parse((await raw.get('remote:head-lock'))!).pid).toBe(process.pid);
      await waited.close();
    } finally {
      raw.destroy();
    }
  });

  it('stops writing and says so when another head took its lease', async () => {
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      let lost: Error | undefined;
      const store = await RedisControlStore.open(url('stolen'), { lock: { ttlMs: 300, onLost: (err) => (lost = err) } });
      store.objects.put('a', object('a'));
      await store.flush();
      // What a head on another machine does once this one's lease ran out.
      await raw.set('stolen:head-lock', JSON.stringify({ id: 'z', host: 'another-machine', pid: 42, identity: '', since: Date.now() }));
      await expect.poll(() => lost, { timeout: 10_000 }).toBeInstanceOf(ControlStoreContentError);
      expect(lost!.message).toMatch(/taken from this head.*pid 42 on another-machine/);
      store.objects.put('b', object('b'));
      await expect(store.flush()).rejects.toThrow(/taken from this head/);
      expect(await raw.hKeys('stolen:objects')).toEqual(['a']);
      // The other head's lease stays.
      await store.close().catch(() => undefined);
      expect(JSON.parse((await raw.get('stolen:head-lock'))!).pid).toBe(42);
    } finally {
      raw.destroy();
    }
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
