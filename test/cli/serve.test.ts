// `convoy serve` as a user runs it: a real CLI process on a real cluster, a registry on disk. It generates its
// token into a 0600 file (never printing it), answers POST /forecast with the promoted version, refuses a bad
// flag with a usage line, and stops cleanly on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LocalStorage } from '../../cluster/storage/index.ts';
import { ModelRegistry, trainModel } from '../../tasks/training/index.ts';
import { startTestCluster, type TestCluster } from '../helpers/cluster.ts';
import { syntheticTrafficAsync } from '../training/helpers/synthetic-traffic.ts';

const CLI = path.resolve(import.meta.dirname, '../../bin/convoy.mjs');
const start = Date.UTC(2024, 0, 1);

let c: TestCluster;
let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'convoy-serve-cli-'));
  const registry = new ModelRegistry(new LocalStorage(path.join(folder, 'registry')));
  const { artifacts } = await trainModel({
    data: () => syntheticTrafficAsync({ days: 1, segmentsPerCity: 2, cities: ['oslo'], seed: 3 }),
    model: { kind: 'mlp', history: 3, inputSize: 19, hidden: [4], outputSize: 1 },
    horizonsMin: [15],
    epochs: 1,
    batchSize: 128,
    backends: ['wasm'],
  });
  await registry.register({ model: 'speed', artifacts });
  await registry.promote('speed', 1);
  c = await startTestCluster({ workers: 1, cpusPerWorker: 2 });
}, 180_000);
afterAll(async () => {
  await c?.stop();
  await rm(folder, { recursive: true, force: true });
}, 60_000);

function convoy(args: string[]): { child: ChildProcess; out: () => string } {
  const { CONVOY_ADDRESS: _a, CONVOY_TOKEN: _t, ...env } = process.env;
  const child = spawn(process.execPath, [CLI, ...args], { cwd: folder, env: { ...env, CONVOY_TOKEN: c.local.token, CONVOY_HOME: folder }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, out: () => out };
}

const exited = (child: ChildProcess) => new Promise<number>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code ?? -1))));

it('serves the promoted version over HTTP with a generated token, and stops on SIGTERM', { timeout: 180_000 }, async () => {
  const { child, out } = convoy(['serve', '--model', 'speed', '--registry', 'registry', '--replicas', '1', '--port', '0', '--address', c.local.address]);
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const check = () => {
        const m = /on (http:\/\/127\.0\.0\.1:\d+)[^]*token in/.exec(out());
        if (m) resolve(m[1]!);
      };
      child.stdout!.on('data', check);
      child.once('exit', (code) => reject(new Error(`convoy serve exited ${code}: ${out()}`)));
    });
    const tokenFile = path.join(folder, 'data/serve/speed.token');
    expect(out()).toContain(tokenFile);
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    const token = (await readFile(tokenFile, 'utf8')).trim();
    expect(out()).not.toContain(token);

    const anchor = start + 8 * 3_600_000;
    const body = { sensors: [{ sensor: 'oslo:0', timeZone: 'UTC', roadClass: 'motorway', freeFlowSpeedKmh: 110, lat: 59.9, lon: 10.7, readings: [2, 1, 0].map((k) => ({ timestamp: anchor - k * 300_000, speedKmh: 90 })) }] };
    const res = await fetch(`${url}/forecast`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { model: string; version: number; forecasts: { sensor: string; at: number; horizons: { minutes: number; speedKmh: number }[] }[] };
    expect(answer).toMatchObject({ model: 'speed', version: 1 });
    expect(answer.forecasts[0]!.at).toBe(anchor);
    expect(answer.forecasts[0]!.horizons.map((h) => h.minutes)).toEqual([15]);
    expect(Number.isFinite(answer.forecasts[0]!.horizons[0]!.speedKmh)).toBe(true);
    const big = await fetch(`${url}/forecast`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: 'x'.repeat(2 * 1024 * 1024) });
    expect(big.status).toBe(413);

    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    expect(out()).toMatch(/serve: stopped/);
    expect(out()).not.toContain(token);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

it('refuses a bad flag and a model with no promoted version with a line that says what to do', { timeout: 60_000 }, async () => {
  const bad = convoy(['serve', '--model', 'speed', '--replicas', 'two']);
  expect(await exited(bad.child)).not.toBe(0);
  expect(bad.out()).toMatch(/--replicas must be a positive whole number/);
  const missing = convoy(['serve', '--model', 'nothing', '--registry', 'registry', '--port', '0', '--address', c.local.address]);
  expect(await exited(missing.child)).not.toBe(0);
  expect(missing.out()).toMatch(/model "nothing" has no versions/);
});
