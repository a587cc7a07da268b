// How a head gets its control store: `convoy start --head --store SPEC` (or CONVOY_STORE), and the embedded
// cluster's `store` option, each reaching a real head process.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster } from '../../cluster/client/embedded.ts';
import { ControlStoreSpecError } from '../../cluster/common/errors.ts';
import { eventually } from '../helpers/cluster.ts';
import { redisUnavailable, startRedis, type TestRedis } from '../helpers/redis.ts';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../bin/convoy.mjs');

describe('convoy start --head --store', () => {
  let home: string;
  let dir: string;
  const convoy = (args: string[], extra: Record<string, string> = {}) => {
    const { CONVOY_TOKEN: _t, CONVOY_ADDRESS: _a, CONVOY_STORE: _s, ...rest } = process.env;
    return run(process.execPath, [CLI, ...args], { env: { ...rest, CONVOY_HOME: home, ...extra }, timeout: 120_000 }).then(
      (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
  };
  beforeAll(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'convoy-store-cli-'));
    dir = mkdtempSync(path.join(os.tmpdir(), 'convoy-store-cli-data-'));
  });
  afterAll(async () => {
    await convoy(['stop', '--force']);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a spec it cannot read as a usage error, before a head starts', async () => {
    const flag = await convoy(['start', '--head', '--store', 'mongodb://x']);
    expect(flag.code).toBe(2);
    expect(flag.stderr.trim()).toMatch(/^convoy: --store "mongodb:\/\/x" is a URL of a kind the head cannot keep its store in: give memory, sqlite .* redis:\/\//);
    const env = await convoy(['start', '--head'], { CONVOY_STORE: 'redis://:hunter2@h:1/notadb' });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/^convoy: CONVOY_STORE "redis:\/\/:\*\*\*@h:1\/notadb" has "\/notadb" where a database number belongs/);
    expect(env.stderr).not.toContain('hunter2');
    expect(readdirSync(home).filter((f) => f.startsWith('session_')), 'no head was started').toEqual([]);
  });

  it('keeps the head in the named SQLite file, which a second head is refused', { timeout: 240_000 }, async () => {
    const file = path.join(dir, 'state', 'head.db');
    const first = await convoy(['start', '--head', '--port', '0', '--dashboard-port', '0', '--store', `sqlite:${file}`]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`control store: ${file}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = await convoy(['start', '--head', '--port', '0', '--dashboard-port', '0'], { CONVOY_STORE: file });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`the control store file ${file} is in use by another Convoy head`);
    expect((await convoy(['stop'])).code).toBe(0);
  });
});

describe('the embedded cluster', () => {
  it('says a bad store option is the caller’s, before it starts anything', async () => {
    await expect(startLocalCluster({ store: 'sqlite:' })).rejects.toBeInstanceOf(ControlStoreSpecError);
    await expect(startLocalCluster({ store: 'sqlite:' })).rejects.toThrow(/^the store option "sqlite:" names no file/);
  });

  it('keeps its head in control.db in its session folder by default', { timeout: 240_000 }, async () => {
    const local = await startLocalCluster({ workers: 1, startTimeoutMs: 60_000 });
    try {
      expect(existsSync(path.join(local.sessionDir, 'control.db'))).toBe(true);
    } finally {
      await local.stop();
    }
  });

  const unavailable = redisUnavailable();
  describe.skipIf(unavailable !== undefined)('on Redis', () => {
    let redis: TestRedis;
    beforeAll(async () => {
      redis = await startRedis({ password: 'pw-in-env-only' });
    });
    afterAll(() => redis?.stop());

    it('writes the head’s tables under its prefix, with the password kept out of the head’s command line', { timeout: 240_000 }, async () => {
      const local = await startLocalCluster({ workers: 1, startTimeoutMs: 60_000, store: `redis://:pw-in-env-only@127.0.0.1:${redis.port}/2?prefix=embedded` });
      const raw = createClient({ url: `redis://:pw-in-env-only@127.0.0.1:${redis.port}/2` });
      await raw.connect();
      try {
        const nodeId = local.workers[0]!.nodeId!;
        await eventually(async () => (await raw.hExists('embedded:nodes', nodeId)) === 1, 30_000, 'the worker in embedded:nodes');
        expect(await raw.get('embedded:format')).toBe('convoy-control-store 1');
        const argv = readFileSync(`/proc/${local.head.pid}/cmdline`, 'utf8').split('\0');
        const decoded = argv.map((a) => (/^[\w-]+$/.test(a) ? Buffer.from(a, 'base64url').toString('utf8') : a)).join(' ');
        expect(`${argv.join(' ')} ${decoded}`).not.toContain('pw-in-env-only');
      } finally {
        raw.destroy();
        await local.stop();
      }
    });
  });
});
