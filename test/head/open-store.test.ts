import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlStoreSpecError } from '../../cluster/common/errors.ts';
import { parseStoreSpec, redactUrl } from '../../cluster/common/store-spec.ts';
import { MemoryControlStore } from '../../cluster/head/control/memory-store.ts';
import { openControlStore } from '../../cluster/head/control/open-store.ts';
import { RedisControlStore } from '../../cluster/head/control/redis-store.ts';
import { SqliteControlStore } from '../../cluster/head/control/sqlite-store.ts';
import { redisUnavailable, startRedis, type TestRedis } from '../helpers/redis.ts';

describe('parseStoreSpec', () => {
  const session = '/var/convoy/session_1';

  it('defaults to SQLite in the session folder', () => {
    for (const spec of [undefined, '', '  ', 'sqlite']) expect(parseStoreSpec(spec, session)).toEqual({ kind: 'sqlite', file: '/var/convoy/session_1/control.db' });
  });

  it('reads memory, sqlite:PATH and a path ending .db (relative ones from the working folder)', () => {
    expect(parseStoreSpec('memory', session)).toEqual({ kind: 'memory' });
    expect(parseStoreSpec('sqlite:/data/head.db', session)).toEqual({ kind: 'sqlite', file: '/data/head.db' });
    expect(parseStoreSpec('sqlite:state/head.sqlite', session)).toEqual({ kind: 'sqlite', file: path.resolve('state/head.sqlite') });
    expect(parseStoreSpec('/data/Head.DB', session)).toEqual({ kind: 'sqlite', file: '/data/Head.DB' });
    expect(parseStoreSpec('head.db', session)).toEqual({ kind: 'sqlite', file: path.resolve('head.db') });
  });

  it('reads redis:// and rediss:// URLs with credentials, database and prefix', () => {
    expect(parseStoreSpec('redis://127.0.0.1:6379', session)).toEqual({ kind: 'redis', url: 'redis://127.0.0.1:6379', prefix: 'convoy', display: 'redis://127.0.0.1:6379?prefix=convoy' });
    expect(parseStoreSpec('rediss://user:p%40ss@redis.internal:6380/2?prefix=prod-a', session)).toEqual({
      kind: 'redis',
      url: 'rediss://user:p%40ss@redis.internal:6380/2',
      prefix: 'prod-a',
      display: 'rediss://user:***@redis.internal:6380/2?prefix=prod-a',
    });
    expect(parseStoreSpec('redis://:secret@h/0', session)).toMatchObject({ url: 'redis://:secret@h/0', display: 'redis://:***@h/0?prefix=convoy' });
  });

  it('refuses what it cannot read, naming the value (without a password) and the accepted forms', () => {
    const cases: [string, RegExp][] = [
      ['postgres://db/convoy', /a URL of a kind/],
      ['mongo', /is not a control store/],
      ['sqlite:', /names no file/],
      ['redis://h:6379/convoy', /database number/],
      ['redis://h:6379?db=2', /unknown query parameter "db"/],
      ['redis://h:6379?prefix=has space', /prefix/],
      ['redis://:pw@h:6379/x', /database number/],
    ];
    for (const [spec, why] of cases) {
      let err: unknown;
      try {
        parseStoreSpec(spec, session, 'CONVOY_STORE');
      } catch (e) {
        err = e;
      }
      expect(err, spec).toBeInstanceOf(ControlStoreSpecError);
      const message = (err as Error).message;
      expect(message).toMatch(why);
      expect(message).toMatch(/^CONVOY_STORE "/);
      expect(message).toContain('give memory, sqlite');
      expect(message).toContain('redis://');
      expect(message).not.toContain(':pw@');
    }
  });

  it('hides passwords in URLs', () => {
    expect(redactUrl('redis://u:p@h:1/0')).toBe('redis://u:***@h:1/0');
    expect(redactUrl('rediss://:a@b@h')).toBe('rediss://:***@h');
    expect(redactUrl('redis://h:1/0')).toBe('redis://h:1/0');
  });
});

describe('openControlStore', () => {
  let dir: string;
  let redis: TestRedis | undefined;
  const unavailable = redisUnavailable();
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'convoy-open-store-'));
    if (!unavailable) redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens each kind', async () => {
    const memory = await openControlStore('memory', dir);
    expect(memory).toBeInstanceOf(MemoryControlStore);
    await memory.close();
    const sqlite = await openControlStore(undefined, dir);
    expect(sqlite).toBeInstanceOf(SqliteControlStore);
    expect((sqlite as SqliteControlStore).file).toBe(path.join(dir, 'control.db'));
    await sqlite.close();
    const file = await openControlStore(path.join(dir, 'other.db'), dir);
    expect((file as SqliteControlStore).file).toBe(path.join(dir, 'other.db'));
    await file.close();
  });

  it.skipIf(unavailable !== undefined)('opens a Redis store', async () => {
    const store = await openControlStore(`${redis!.url}/3?prefix=open`, dir);
    expect(store).toBeInstanceOf(RedisControlStore);
    expect((store as RedisControlStore).display).toBe(`${redis!.url}/3?prefix=open`);
    await store.close();
  });

  it('refuses a bad spec before opening anything', async () => {
    await expect(openControlStore('nonsense', dir)).rejects.toBeInstanceOf(ControlStoreSpecError);
  });
});
