import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UploadError } from '../../cluster/client/index.ts';
import { packDirectory } from '../../cluster/common/package-archive.ts';
import { startTestCluster, type TestCluster } from '../helpers/cluster.ts';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../bin/convoy.mjs');
let t: TestCluster;
let workDir: string;

async function makeJobDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-job-'));
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  await writeFile(path.join(dir, 'tasks.ts'), 'export function cube(x: number): number { return x ** 3; }\n');
  await writeFile(
    path.join(dir, 'driver.ts'),
    `import { existsSync } from 'node:fs';
import { connect } from 'convoy';
const cluster = await connect();
const cube = cluster.task<(x: number) => number>(new URL('./tasks.ts', import.meta.url), 'cube');
console.log('cubes:', JSON.stringify(await cluster.get([1, 2, 3].map((x) => cube.remote(x)))));
console.log('ignored file uploaded:', existsSync('secret.env'));
console.log('job id set:', Boolean(process.env.CONVOY_JOB_ID));
await cluster.close();
`,
  );
  await writeFile(path.join(dir, '.gitignore'), 'secret.env\n');
  await writeFile(path.join(dir, 'secret.env'), 'API_KEY=do-not-upload\n');
  await mkdir(path.join(dir, 'node_modules', 'junk'), { recursive: true });
  await writeFile(path.join(dir, 'node_modules', 'junk', 'index.js'), 'x');
  return dir;
}

beforeAll(async () => {
  t = await startTestCluster({ workers: 1, cpusPerWorker: 1 });
  workDir = await makeJobDir();
});
afterAll(async () => t?.stop());

const cli = (args: string[]) =>
  run(process.execPath, [CLI, ...args], { env: { ...process.env, CONVOY_TOKEN: t.local.token }, timeout: 120_000 });

describe('jobs', () => {
  it('runs a job submitted from a directory on the cluster and streams its logs back', async () => {
    const { stdout, stderr } = await cli(['job', 'submit', '--address', t.local.address, '--working-dir', workDir, '--', 'node', 'driver.ts']);
    expect(stdout).toContain('cubes: [1,8,27]');
    expect(stdout).toContain('ignored file uploaded: false');
    expect(stdout).toContain('job id set: true');
    expect(stderr).toMatch(/job job_\w+ SUCCEEDED/);
    const list = JSON.parse((await cli(['job', 'list', '--address', t.local.address, '--json'])).stdout) as { jobId: string; status: string }[];
    expect(list.some((j) => j.status === 'SUCCEEDED')).toBe(true);
    const logs = (await cli(['job', 'logs', list[0]!.jobId, '--address', t.local.address])).stdout;
    expect(logs).toContain('cubes: [1,8,27]');
  });

  it('reports a failing job as FAILED with a non-zero exit', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-job-'));
    await writeFile(path.join(dir, 'boom.mjs'), "console.log('about to fail'); process.exit(7);\n");
    const err = (await cli(['job', 'submit', '--address', t.local.address, '--working-dir', dir, '--', 'node', 'boom.mjs']).catch((e: unknown) => e)) as {
      code: number;
      stdout: string;
      stderr: string;
    };
    expect(err.code).toBe(1);
    expect(err.stdout).toContain('about to fail');
    expect(err.stderr).toMatch(/FAILED: exited with code 7/);
  });

  it('refuses an upload whose paths leave the working directory, and writes nothing', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-evil-'));
    await mkdir(path.join(dir, 'inner'));
    await writeFile(path.join(dir, 'evil.txt'), 'pwned');
    const packagesDir = path.join(t.local.sessionDir, 'jobs', 'packages');
    const before = (await readdir(packagesDir)).length;
    const chunks: Buffer[] = [];
    for await (const c of tar.create({ gzip: true, cwd: path.join(dir, 'inner'), preservePaths: true }, ['../evil.txt']) as AsyncIterable<Buffer>) chunks.push(c);
    const res = await fetch(`http://${t.local.httpAddress}/api/packages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.local.token}`, 'content-type': 'application/gzip' },
      body: Buffer.concat(chunks),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/\.\.\/evil\.txt: path leaves the working directory/);
    expect((await readdir(packagesDir)).length).toBe(before);
    expect(existsSync(path.join(t.local.sessionDir, 'jobs', 'evil.txt'))).toBe(false);
  });

  it('refuses to pack a symlink that points out of the directory, and a directory over the size limit', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-link-'));
    await writeFile(path.join(dir, 'ok.ts'), 'export {}');
    await symlink('/etc/hostname', path.join(dir, 'escape'));
    await expect(packDirectory(dir)).rejects.toThrow(/escape is a symlink to \/etc\/hostname, outside the working directory/);
    const big = await mkdtemp(path.join(os.tmpdir(), 'convoy-big-'));
    await writeFile(path.join(big, 'data.bin'), Buffer.alloc(5000));
    const err = await packDirectory(big, 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UploadError);
    expect((err as Error).message).toMatch(/larger than the upload limit of 1000 bytes.*data\.bin/);
  });

  it('packs identical directories to the same package id, honouring nested .gitignore files', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-pack-'));
    await mkdir(path.join(dir, 'sub'));
    await writeFile(path.join(dir, 'a.ts'), 'export const a = 1;');
    await writeFile(path.join(dir, 'sub', '.gitignore'), '*.csv\n');
    await writeFile(path.join(dir, 'sub', 'big.csv'), 'x,y\n');
    await writeFile(path.join(dir, 'sub', 'keep.ts'), 'export {}');
    const one = await packDirectory(dir);
    const two = await packDirectory(dir);
    expect(one.id).toBe(two.id);
    expect(one.files).toBe(3); // a.ts, sub/.gitignore, sub/keep.ts
  });
});
