/**
 * Finding the cluster as `ray.init()` does, with real processes: a head and a worker started with the CLI,
 * an embedded cluster in another driver on the same $CONVOY_HOME, and clients that connect with no address.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tsxLoaderUrl } from '../../cluster/common/spawn.ts';
import { eventually, TASKS } from '../helpers/cluster.ts';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../bin/convoy.mjs');
const CLIENT_ENTRY = new URL('../../cluster/client/index.ts', import.meta.url).href;
const home = await mkdtemp(path.join(os.tmpdir(), 'convoy-find-'));
const env: NodeJS.ProcessEnv = { ...process.env, CONVOY_HOME: home };
for (const k of ['CONVOY_TOKEN', 'CONVOY_TOKEN_FILE', 'CONVOY_ADDRESS']) delete env[k];
const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => run(process.execPath, [CLI, ...args], { env: { ...env, ...extra }, timeout: 240_000 });
const fail = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
  cli(args, extra).then(
    (r) => ({ code: 0, stderr: r.stderr }),
    (e: { code: number; stderr: string }) => e,
  );
const scripts = await mkdtemp(path.join(os.tmpdir(), 'convoy-find-scripts-'));
const children: ChildProcess[] = [];

afterAll(async () => {
  await cli(['stop', '--force']).catch(() => undefined);
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

/** A client: connects with the given options, squares 7 on the cluster and prints what it found as JSON. */
async function client(options: unknown, extraEnv: NodeJS.ProcessEnv = {}): Promise<{ address?: string; square?: number; error?: string; message?: string }> {
  const file = path.join(scripts, `client-${Math.random().toString(36).slice(2)}.mts`);
  await writeFile(
    file,
    `import { connect } from ${JSON.stringify(CLIENT_ENTRY)};
try {
  const cluster = await connect(${JSON.stringify(options)});
  const square = cluster.task(${JSON.stringify(TASKS.href)}, 'square');
  console.log(JSON.stringify({ address: cluster.address, square: await cluster.get(square.remote(7)) }));
  await cluster.close();
} catch (err) {
  console.log(JSON.stringify({ error: err.name, message: err.message }));
}
`,
  );
  const { stdout } = await run(process.execPath, ['--import', tsxLoaderUrl(), file], { env: { ...env, ...extraEnv }, timeout: 240_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { address?: string; square?: number; error?: string; message?: string };
}

/** A driver with its own embedded cluster that runs one task each time it reads a line, and prints its address. */
async function embeddedDriver(): Promise<{ child: ChildProcess; address: string; square: () => Promise<string> }> {
  const file = path.join(scripts, 'embedded-driver.mts');
  await writeFile(
    file,
    `import { createInterface } from 'node:readline';
import { connect } from ${JSON.stringify(CLIENT_ENTRY)};
const cluster = await connect('local');
const square = cluster.task(${JSON.stringify(TASKS.href)}, 'square');
console.log('address ' + cluster.address);
for await (const line of createInterface({ input: process.stdin })) console.log('square ' + (await cluster.get(square.remote(Number(line)))));
`,
  );
  const child = spawn(process.execPath, ['--import', tsxLoaderUrl(), file], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  await eventually(() => /address (\S+)/.test(out) || child.exitCode !== null, 240_000, 'the embedded cluster to start');
  expect(out, 'the embedded driver exited before its cluster started').toMatch(/address \S+/);
  const address = /address (\S+)/.exec(out)![1]!;
  let asked = 0;
  return {
    child,
    address,
    square: async () => {
      const n = ++asked;
      child.stdin!.write(`${n + 1}\n`);
      await eventually(() => out.split('square ').length > n || child.exitCode !== null, 120_000, 'the embedded driver to run a task');
      return out.split('square ')[n]!.trim();
    },
  };
}

describe('finding the cluster', () => {
  it('connect() with no address finds the head `convoy start` started, with its token, beside an embedded cluster', { timeout: 600_000 }, async () => {
    const head = await cli(['start', '--head', '--port', '0', '--dashboard-port', '0']);
    const headAddress = /gRPC address: +(\S+)/.exec(head.stdout)![1]!;
    const tokenFile = /token file: +(\S+)/.exec(head.stdout)![1]!;
    await cli(['start', '--address', headAddress, '--num-cpus', '1']);

    // Another driver on this machine runs its own embedded cluster meanwhile.
    const embedded = await embeddedDriver();
    expect(embedded.address).not.toBe(headAddress);
    expect(await embedded.square()).toBe('4');

    // A record of a head that died (newer than the live one) is skipped and removed.
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => dead.once('exit', r));
    const stale = path.join(home, 'procs', `head-${dead.pid}.json`);
    await writeFile(stale, JSON.stringify({ pid: dead.pid, role: 'head', address: '127.0.0.1:1', tokenFile, startedAt: Date.now() + 60_000 }));

    const found = await client({});
    expect(found).toEqual({ address: headAddress, square: 49 });
    expect((await readdir(path.join(home, 'procs'))).some((n) => n === path.basename(stale))).toBe(false);
    // The CLI finds the same head (one worker: the CLI's, not the embedded cluster's two).
    const status = JSON.parse((await cli(['status', '--json'])).stdout) as { address: string; nodes: unknown[] };
    expect(status.address).toBe(headAddress);
    expect(status.nodes).toHaveLength(1);
    // session_latest is the CLI head's session, not the embedded cluster's.
    expect(realpathSync(path.join(home, 'session_latest'))).toBe(realpathSync(path.dirname(tokenFile)));
    // The recorded head's own token wins over a stale CONVOY_TOKEN from some other cluster.
    expect(await client({}, { CONVOY_TOKEN: 'a-token-of-another-cluster' })).toEqual({ address: headAddress, square: 49 });
    // Its address given explicitly also comes with its own token; 'auto' insists on it.
    expect(await client({ address: headAddress })).toEqual({ address: headAddress, square: 49 });
    expect(await client('auto')).toEqual({ address: headAddress, square: 49 });

    // A wrong token is refused with a message saying where the token came from (never the token itself).
    const wrong = await client({ address: headAddress, token: 'not-the-token' });
    expect(wrong.error).toBe('AuthError');
    expect(wrong.message).toMatch(/refused the cluster token from the token option/);
    expect(wrong.message).not.toContain('not-the-token');
    // The embedded cluster's token belongs to it alone: another process has none for its head.
    const missing = await client({ address: embedded.address });
    expect(missing.error).toBe('AuthError');
    expect(missing.message).toMatch(/no cluster token for the head at .*CONVOY_TOKEN/);
    const cliMissing = await fail(['status', '--address', embedded.address]);
    expect(cliMissing.code).toBe(1);
    expect(cliMissing.stderr).toMatch(/^convoy: no cluster token for the head at/m);

    // `convoy stop` stops what `convoy start` started, and leaves the embedded cluster running.
    const stopped = await cli(['stop']);
    expect(stopped.stdout).toMatch(/Stopped 1 head\(s\) and 1 worker\(s\)/);
    expect(await embedded.square()).toBe('9');
    expect(embedded.child.exitCode).toBeNull();
    // With the CLI head gone, 'auto' says so, and a plain connect() starts an embedded cluster of its own.
    const auto = await client('auto');
    expect(auto.message).toMatch(/no head started with `convoy start --head` runs on this machine/);
    const fresh = await client({ workers: 1, cpusPerWorker: 1 });
    expect(fresh.square).toBe(49);
    expect([headAddress, embedded.address]).not.toContain(fresh.address);
    embedded.child.stdin!.end();
  });
});
