/**
 * A job's runtime environment, with real processes: dependencies installed from its lockfile (a tiny local
 * tarball, so nothing reaches the registry) once for concurrent submissions and used by its driver and by its
 * tasks on a worker, the cluster's own packages for a folder without package.json, `--env`, `--submission-id`,
 * TypeScript drivers with top-level await in folders without `"type": "module"`, and the README's command
 * from the repository root.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestCluster, type TestCluster } from '../helpers/cluster.ts';

// This file's own home and npm cache: the lockfile cache and npm's must start empty, and stay ours.
const home = await mkdtemp(path.join(os.tmpdir(), 'convoy-rtenv-'));
process.env.CONVOY_HOME = home;
process.env.npm_config_cache = path.join(home, 'npm-cache');

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../bin/convoy.mjs');
const REPO = path.resolve(import.meta.dirname, '../..');
let t: TestCluster;

interface Job {
  jobId: string;
  status: string;
  message?: string;
  envVars: string[];
  dependencies: { source: string; key?: string; installed?: boolean };
}

const cli = (args: string[]) => run(process.execPath, [CLI, ...args], { env: { ...process.env, CONVOY_TOKEN: t.local.token }, timeout: 240_000 });
const fail = (args: string[]) =>
  cli(args).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
const submit = (dir: string, extra: string[], entrypoint = ['node', 'driver.ts']) =>
  cli(['job', 'submit', '--address', t.local.address, '--working-dir', dir, ...extra, '--', ...entrypoint]);
const api = async (method: string, route: string, body?: unknown) => {
  const res = await fetch(`http://${t.local.httpAddress}${route}`, {
    method,
    headers: { authorization: `Bearer ${t.local.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Job & { error?: string } };
};

/** The tarball `npm pack` makes of a one-file ES module package: `package/package.json`, `package/index.js`. */
async function tinyTarball(dir: string): Promise<Buffer> {
  const src = await mkdtemp(path.join(os.tmpdir(), 'convoy-tiny-'));
  await mkdir(path.join(src, 'package'));
  await writeFile(path.join(src, 'package', 'package.json'), JSON.stringify({ name: 'tiny', version: '1.0.0', type: 'module', main: 'index.js' }));
  await writeFile(path.join(src, 'package', 'index.js'), "export const shout = (s) => s.toUpperCase() + '!';\n");
  const file = path.join(dir, 'vendor', 'tiny-1.0.0.tgz');
  await mkdir(path.dirname(file), { recursive: true });
  await tar.create({ gzip: true, cwd: src, portable: true, file }, ['package']);
  return readFile(file);
}

/**
 * A job folder whose package.json (no "type" field) depends on `tiny` from a tarball inside it, with the
 * lockfile npm writes for that (integrity included). Its driver uses top-level await; its task imports tiny too.
 */
async function jobWithLockfile(opts: { corruptIntegrity?: boolean; noLockfile?: boolean } = {}): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-rtjob-'));
  const tarball = await tinyTarball(dir);
  const integrity = `sha512-${createHash('sha512').update(opts.corruptIntegrity ? Buffer.from('not the tarball') : tarball).digest('base64')}`;
  const dependencies = { tiny: 'file:vendor/tiny-1.0.0.tgz' };
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'rt-job', private: true, dependencies }));
  if (!opts.noLockfile) {
    const lock = {
      name: 'rt-job',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'rt-job', dependencies },
        'node_modules/tiny': { version: '1.0.0', resolved: 'file:vendor/tiny-1.0.0.tgz', integrity },
      },
    };
    await writeFile(path.join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));
  }
  await writeFile(path.join(dir, 'tasks.ts'), "import { shout } from 'tiny';\nexport function loud(s: string): string { return shout(s); }\n");
  await writeFile(
    path.join(dir, 'driver.ts'),
    `import { shout } from 'tiny';
import { connect } from 'convoy';
const cluster = await connect();
const loud = cluster.task<(s: string) => string>(new URL('./tasks.ts', import.meta.url), 'loud');
console.log('driver:', shout('hello'));
console.log('task:', await cluster.get(loud.remote('from a worker')));
console.log('env:', process.env.GREETING ?? '(unset)');
await cluster.close();
`,
  );
  return dir;
}

beforeAll(async () => {
  t = await startTestCluster({ workers: 1, cpusPerWorker: 1 });
});
afterAll(async () => t?.stop());

describe('job runtime environment', () => {
  it('installs a lockfile once for concurrent jobs, for the driver and for its tasks on a worker', { timeout: 300_000 }, async () => {
    const dir = await jobWithLockfile();
    const [one, two] = await Promise.all(
      ['rt-one', 'rt-two'].map((id) => submit(dir, ['--submission-id', id, '--env', 'GREETING=hi there'])),
    );
    for (const r of [one!, two!]) {
      expect(r.stdout).toContain('driver: HELLO!');
      expect(r.stdout).toContain('task: FROM A WORKER!');
      expect(r.stdout).toContain('env: hi there');
      expect(r.stderr).toMatch(/SUCCEEDED/);
    }
    const jobs = await Promise.all(['rt-one', 'rt-two'].map(async (id) => (await api('GET', `/api/jobs/${id}`)).body));
    expect(jobs.map((j) => j.dependencies.source)).toEqual(['lockfile', 'lockfile']);
    expect(jobs[0]!.dependencies.key).toBe(jobs[1]!.dependencies.key);
    // One `npm ci` between them: the other job waited for it (or found it done).
    expect(jobs.filter((j) => j.dependencies.installed).length).toBe(1);
    expect(jobs[0]!.envVars).toEqual(['GREETING']);
    expect(JSON.stringify(jobs)).not.toContain('hi there'); // values are not shown
    // One finished install in the cache (the worker reused the head's), nothing half-made beside it.
    expect(await readdir(path.join(home, 'runtime_env', 'npm'))).toEqual([jobs[0]!.dependencies.key]);
  });

  it('fails a job whose lockfile install fails, with npm\'s reason on one line', { timeout: 300_000 }, async () => {
    const dir = await jobWithLockfile({ corruptIntegrity: true });
    const r = await fail(['job', 'submit', '--address', t.local.address, '--working-dir', dir, '--', 'node', 'driver.ts']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/FAILED: dependencies could not be installed: npm ci failed: EINTEGRITY: .*integrity checksum failed/);
    expect(r.stdout).not.toContain('driver:'); // the driver never ran
    const jobId = /job (\S+) FAILED/.exec(r.stderr)![1]!;
    const job = (await api('GET', `/api/jobs/${jobId}`)).body;
    expect(job.status).toBe('FAILED');
    expect(job.message).not.toContain('\n');
  });

  it('stops a job while its dependencies install, and never starts its driver', async () => {
    // A registry on loopback that takes the request and never answers: the install hangs until stopped.
    const asked: http.ServerResponse[] = [];
    const registry = http.createServer((_req, res) => asked.push(res));
    await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r));
    try {
      const dir = await jobWithLockfile();
      const url = `http://127.0.0.1:${(registry.address() as AddressInfo).port}/slow-2.0.0.tgz`;
      const integrity = `sha512-${createHash('sha512').update('a tarball no cache holds').digest('base64')}`;
      const dependencies = { slow: url };
      await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'rt-slow', private: true, dependencies }));
      const lock = { name: 'rt-slow', lockfileVersion: 3, requires: true, packages: { '': { name: 'rt-slow', dependencies }, 'node_modules/slow': { version: '2.0.0', resolved: url, integrity } } };
      await writeFile(path.join(dir, 'package-lock.json'), JSON.stringify(lock));
      const jobId = (await submit(dir, ['--no-wait'])).stdout.trim();
      await eventually(() => asked.length > 0, 60_000, 'npm to ask the registry');
      expect((await api('GET', `/api/jobs/${jobId}`)).body.status).toBe('PENDING');
      expect((await cli(['job', 'stop', jobId, '--address', t.local.address])).stdout).toMatch(/STOPPED/);
      const job = (await api('GET', `/api/jobs/${jobId}`)).body;
      expect(job.status).toBe('STOPPED');
      expect((await cli(['job', 'logs', jobId, '--address', t.local.address])).stdout).not.toContain('driver:');
    } finally {
      registry.closeAllConnections();
      registry.close();
    }
  });

  it('refuses dependencies without a lockfile, and bad environment variables, at submit', async () => {
    const noLock = await fail(['job', 'submit', '--address', t.local.address, '--working-dir', await jobWithLockfile({ noLockfile: true }), '--', 'node', 'driver.ts']);
    expect(noLock.code).not.toBe(0);
    expect(noLock.stderr).toMatch(/package\.json lists dependencies \(tiny\) but the job has no package-lock\.json: run `npm install`/);

    const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-rtenv-bad-'));
    await writeFile(path.join(dir, 'driver.mjs'), 'console.log("ran")\n');
    const badName = await fail(['job', 'submit', '--address', t.local.address, '--working-dir', dir, '--env', '1BAD=x', '--', 'node', 'driver.mjs']);
    expect(badName.code).not.toBe(0);
    expect(badName.stderr).toMatch(/^convoy: environment variable name "1BAD" is not valid/m);
    expect(badName.stderr).not.toMatch(/submitted/); // refused before anything was uploaded
    const noValue = await fail(['job', 'submit', '--address', t.local.address, '--working-dir', dir, '--env', 'SECRET-VALUE', '--', 'node', 'driver.mjs']);
    expect(noValue.stderr).toMatch(/--env takes NAME=VALUE pairs/);
    expect(noValue.stderr).not.toContain('SECRET-VALUE');
    // The head checks whatever sends the request.
    const viaApi = await api('POST', '/api/jobs', { entrypoint: ['node', '-e', '1'], env: { 'BAD-NAME': 'x' } });
    expect(viaApi.status).toBe(400);
    expect(viaApi.body.error).toMatch(/environment variable name "BAD-NAME" is not valid/);
    const reserved = await api('POST', '/api/jobs', { entrypoint: ['node', '-e', '1'], env: { CONVOY_TOKEN: 'mine' } });
    expect(reserved.status).toBe(400);
    expect(reserved.body.error).toMatch(/CONVOY_TOKEN is set by the cluster/);
  });

  it('starts one job per submission id, however often (and however concurrently) it is submitted', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-rtenv-id-'));
    await writeFile(path.join(dir, 'driver.mjs'), 'console.log("ran once")\n');
    const first = await submit(dir, ['--submission-id', 'nightly-1', '--no-wait'], ['node', 'driver.mjs']);
    expect(first.stdout.trim()).toBe('nightly-1');
    const again = await submit(dir, ['--submission-id', 'nightly-1'], ['node', 'driver.mjs']);
    expect(again.stderr).toMatch(/job nightly-1 was submitted before .*not starting another/);
    expect(again.stdout.match(/ran once/g)).toHaveLength(1); // its log, shown once: the job ran once
    const other = await fail(['job', 'submit', '--address', t.local.address, '--working-dir', dir, '--submission-id', 'nightly-1', '--', 'node', '-e', '1']);
    expect(other.stderr).toMatch(/HTTP 409.*submission id nightly-1 is already used by another job/);

    const together = await Promise.all([1, 2, 3].map(() => api('POST', '/api/jobs', { entrypoint: ['node', '-e', '1'], submissionId: 'burst-1' })));
    expect(together.map((r) => r.body.jobId)).toEqual(['burst-1', 'burst-1', 'burst-1']);
    const listed = ((await api('GET', '/api/jobs')).body as unknown as Job[]).filter((j) => j.jobId.startsWith('nightly-1') || j.jobId === 'burst-1');
    expect(listed.map((j) => j.jobId).sort()).toEqual(['burst-1', 'nightly-1']);
  });

  it('runs a TypeScript driver with top-level await from a folder without package.json, on the cluster\'s own packages', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-rtenv-bare-'));
    await writeFile(
      path.join(dir, 'driver.ts'),
      "import { tableFromArrays } from 'apache-arrow';\nconst table = await Promise.resolve(tableFromArrays({ a: Int32Array.from([1, 2, 3]) }));\nconsole.log('rows:', table.numRows);\n",
    );
    const r = await submit(dir, []);
    expect(r.stdout).toContain('rows: 3');
    expect(r.stderr).toMatch(/SUCCEEDED/);
  });

  it("runs the README's `convoy job submit --working-dir . -- node examples/quickstart.ts` from the repository root", { timeout: 300_000 }, async () => {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'job', 'submit', '--address', t.local.address, '--working-dir', '.', '--', 'node', 'examples/quickstart.ts'], {
      cwd: REPO,
      env: { ...process.env, CONVOY_TOKEN: t.local.token },
      timeout: 240_000,
    });
    expect(stdout).toContain('sum of squares 0..999 = 332833500');
    expect(stdout).toMatch(/actor counter after \+1, \+2, \+3: 1 → 3 → 6/);
    expect(stderr).toMatch(/SUCCEEDED/);
  });
});
