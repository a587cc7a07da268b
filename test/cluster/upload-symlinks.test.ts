/**
 * Symlinks in uploads are resolved against the real extracted tree, however chained: the probe's
 * `m -> d/l/../..` with `d/l -> ..` reads as inside when the strings are folded, and lands on the head's
 * `jobs/` folder (every job and package) when the kernel follows it. Refused at upload, not at job start,
 * and a refusal leaves no package, staging or job folder behind.
 */
import { copyFile, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { craftArchive, type CraftedEntry } from '../helpers/archives.ts';
import { startTestCluster, type TestCluster } from '../helpers/cluster.ts';

let t: TestCluster;
let base: string;
let auth: Record<string, string>;

beforeAll(async () => {
  t = await startTestCluster({ workers: 1, cpusPerWorker: 1 });
  base = `http://${t.local.httpAddress}`;
  auth = { authorization: `Bearer ${t.local.token}` };
});
afterAll(async () => t?.stop());

const jobsDir = () => path.join(t.local.sessionDir, 'jobs');
const list = async (dir: string) => (await readdir(dir).catch(() => [])).sort();
// Job folders (jobs/runs/ID) and stored packages (jobs/packages/ID.tar.gz, and any staging folder).
const listing = async () => ({ runs: await list(path.join(jobsDir(), 'runs')), packages: await list(path.join(jobsDir(), 'packages')) });

async function upload(entries: CraftedEntry[]): Promise<{ status: number; body: { id?: string; error?: string } }> {
  const res = await fetch(`${base}/api/packages`, { method: 'POST', headers: { ...auth, 'content-type': 'application/gzip' }, body: craftArchive(entries) });
  return { status: res.status, body: (await res.json()) as { id?: string; error?: string } };
}

const PROBE_CHAIN: CraftedEntry[] = [
  { path: 'd/', type: 'Directory' },
  { path: 'd/l', type: 'SymbolicLink', linkpath: '..' },
  { path: 'm', type: 'SymbolicLink', linkpath: 'd/l/../..' },
  { path: 'driver.mjs', body: "import { readdirSync } from 'node:fs'; console.log(readdirSync('m'));\n" },
];

describe('symlinks in uploads', () => {
  it("refuses the probe's chain m -> d/l/../.. (d/l -> ..) at upload, naming the link, and stores nothing", async () => {
    const before = await listing();
    const r = await upload(PROBE_CHAIN);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/m: symlink to d\/l\/\.\.\/\.\. resolves to \S+, outside the working directory/);
    expect(r.body.error).not.toMatch(/d\/l: /); // d/l itself resolves to the working directory: allowed
    expect(await listing()).toEqual(before);
  });

  it('refuses at upload the chain that used to pass upload and fail at job start: a file written through a link', async () => {
    const before = await listing();
    const r = await upload([
      { path: 'd/', type: 'Directory' },
      { path: 'd/l', type: 'SymbolicLink', linkpath: '..' },
      { path: 'd/l/x.txt', body: 'written through d/l' },
    ]);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/d\/l\/x\.txt: is written through the symlink d\/l/);
    expect(await listing()).toEqual(before);
  });

  it('refuses links that loop, and dangling links whose path climbs out through a link', async () => {
    const before = await listing();
    const loop = await upload([
      { path: 'a', type: 'SymbolicLink', linkpath: 'b' },
      { path: 'b', type: 'SymbolicLink', linkpath: 'a' },
    ]);
    expect(loop.status).toBe(400);
    expect(loop.body.error).toMatch(/b: symlink to a runs through the symlink a/);
    const dangling = await upload([
      { path: 'd/', type: 'Directory' },
      { path: 'd/l', type: 'SymbolicLink', linkpath: '..' },
      { path: 'x', type: 'SymbolicLink', linkpath: 'd/l/../../not-there' },
    ]);
    expect(dangling.status).toBe(400);
    expect(dangling.body.error).toMatch(/x: symlink to d\/l\/\.\.\/\.\.\/not-there resolves to \S+, outside the working directory/);
    expect(await listing()).toEqual(before);
  });

  it('accepts links that stay inside, dangling ones included, and runs a job that follows them', async () => {
    const r = await upload([
      { path: 'sub/', type: 'Directory' },
      { path: 'sub/data.txt', body: 'inside\n' },
      { path: 'sub/up', type: 'SymbolicLink', linkpath: '..' },
      { path: 'sub/self', type: 'SymbolicLink', linkpath: '../sub' },
      { path: 'alias.txt', type: 'SymbolicLink', linkpath: 'sub/data.txt' },
      { path: 'later', type: 'SymbolicLink', linkpath: 'build/out.txt' },
      { path: 'driver.mjs', body: "import { readFileSync } from 'node:fs'; console.log('read:', readFileSync('alias.txt', 'utf8').trim());\n" },
    ]);
    expect(r.status).toBe(200);
    const job = (await (
      await fetch(`${base}/api/jobs`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ entrypoint: ['node', 'driver.mjs'], packageId: r.body.id }) })
    ).json()) as { jobId: string };
    const logs = await (await fetch(`${base}/api/jobs/${job.jobId}/logs?follow=1`, { headers: auth })).text();
    expect(logs).toContain('read: inside');
  });

  it('extracts a link whose target names a folder above it (a/b -> a), on which node-tar itself never finishes', async () => {
    const r = await upload([
      { path: 'a/', type: 'Directory' },
      { path: 'a/b', type: 'SymbolicLink', linkpath: 'a' },
    ]);
    expect(r.status).toBe(200);
  });

  it('refuses a stored package that escapes at job start without leaving a job folder (a package put there by hand)', async () => {
    // Bypass the upload check: write the archive into the package folder as a head of an older version would have.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-badpkg-'));
    const file = path.join(dir, 'bad.tar.gz');
    await writeFile(file, craftArchive(PROBE_CHAIN));
    const id = 'ab'.repeat(16);
    await copyFile(file, path.join(jobsDir(), 'packages', `${id}.tar.gz`));
    const before = await listing();
    const res = await fetch(`${base}/api/jobs`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ entrypoint: ['node', 'driver.mjs'], packageId: id }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/m: symlink to d\/l\/\.\.\/\.\. resolves to \S+, outside the working directory/);
    expect(await listing()).toEqual(before);
  });
});
