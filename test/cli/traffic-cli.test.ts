import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { openLake } from '../../tasks/lake/index.ts';
import { generateShard } from '../../tasks/sources/index.ts';
import { openStorage } from '../../cluster/storage/index.ts';
import { ModelRegistry, trainModel } from '../../tasks/training/index.ts';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../bin/convoy.mjs');
const cli = (args: string[]) => run(process.execPath, [CLI, ...args], { timeout: 120_000 });
const fail = (args: string[]) => cli(args).then(() => ({ stderr: '', code: 0 }), (e: { stderr: string; code: number }) => e);

let dir: string;
let lakeDir: string;
let registryDir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-tcli-'));
  lakeDir = path.join(dir, 'lake');
  registryDir = path.join(dir, 'registry');
  const lake = await openLake(lakeDir, { threads: 0 });
  for (const city of ['berlin', 'rome']) {
    await lake.writeShard(`s-${city}`, generateShard({ seed: 3, city, from: '2026-04-06', to: '2026-04-08', samples: 20_000 }));
  }
  const result = await trainModel({
    data: () => lake.scan(),
    model: { kind: 'mlp', inputSize: 16, hidden: [8], outputSize: 1 },
    epochs: 1,
    batchSize: 1024,
    backends: ['wasm', 'cpu'],
  });
  await lake.close();
  const registry = new ModelRegistry(openStorage(registryDir));
  await registry.register({ model: 'speed', artifacts: result.artifacts, metrics: { validMae: 5 } });
  await registry.register({ model: 'speed', artifacts: result.artifacts, metrics: { validMae: 4 } });
  await registry.promote('speed', 1);
}, 180_000);

describe('traffic commands', () => {
  it('convoy lake stats / ls / head describe what the lake holds', async () => {
    const stats = JSON.parse((await cli(['lake', 'stats', '--lake', lakeDir, '--json'])).stdout) as { rows: number; rowsBy: Record<string, Record<string, number>> };
    expect(stats.rows).toBe(40_000);
    expect(stats.rowsBy.city).toEqual({ berlin: 20_000, rome: 20_000 });
    const ls = (await cli(['lake', 'ls', '--lake', lakeDir, '--city', 'rome'])).stdout;
    expect(ls).toMatch(/date=2026-04-06\/city=rome/);
    expect(ls).not.toMatch(/berlin/);
    const head = JSON.parse((await cli(['lake', 'head', '--lake', lakeDir, '-n', '3', '--columns', 'city,current_speed_kmh', '--json'])).stdout) as Record<string, unknown>[];
    expect(head).toHaveLength(3);
    expect(Object.keys(head[0]!).sort()).toEqual(['city', 'current_speed_kmh']);
  });

  it('convoy plan shows that 1e9 samples from one TomTom key would take centuries', async () => {
    const plans = JSON.parse((await cli(['plan', '--target', '1e9', '--json'])).stdout) as { source: string; free: { seconds: number } }[];
    const tomtom = plans.find((p) => p.source === 'tomtom')!;
    expect(tomtom.free.seconds / (365 * 86_400)).toBeGreaterThan(1000);
    expect((await cli(['plan', '--target', '1e9', '--source', 'tomtom'])).stdout).toMatch(/1,096 years/);
    expect((await fail(['plan', '--target', 'lots'])).stderr).toMatch(/--target must be a positive whole number/);
  });

  it('convoy model ls / show / promote manage registry versions', async () => {
    const ls = (await cli(['model', 'ls', '--registry', registryDir])).stdout;
    expect(ls).toMatch(/v1\s+yes/);
    expect(ls).toMatch(/v2\s+(?!yes)/);
    expect((await cli(['model', 'promote', '2', '--registry', registryDir])).stdout).toMatch(/speed v2 is now promoted/);
    const shown = JSON.parse((await cli(['model', 'show', 'promoted', '--registry', registryDir])).stdout) as { version: number };
    expect(shown.version).toBe(2);
    expect((await fail(['model', 'promote', 'x', '--registry', registryDir])).stderr).toMatch(/a version is a number/);
    expect((await fail(['model', 'promote', '9', '--registry', registryDir])).stderr).toMatch(/9/);
  });

  it('convoy collect refuses bad input before doing anything', async () => {
    const base = ['collect', '--source', 'synthetic', '--cities', 'berlin', '--from', '2026-01-01', '--to', '2026-01-02', '--target', '100', '--lake', path.join(dir, 'never')];
    expect((await fail([...base.slice(0, 2), 'waze', ...base.slice(3)])).stderr).toMatch(/--source must be one of/);
    expect((await fail(base.map((a) => (a === 'berlin' ? 'atlantis' : a)))).stderr).toMatch(/unknown city "atlantis"/);
    expect((await fail(base.map((a) => (a === '100' ? '-5' : a)))).stderr).toMatch(/--target must be a positive whole number/);
  });

  it('convoy tune refuses a bad space, a missing lake or an empty window before starting anything', async () => {
    const tune = (space: string, lake: string, trainTo: string, validTo: string) =>
      fail(['tune', '--space', space, '--lake', lake, '--train-to', trainTo, '--valid-to', validTo, '--storage', path.join(dir, 'tune')]);
    const ok = '{"learningRate": [0.001]}';
    const [misspelled, badValue, missing, noTrain, noValid, backwards] = await Promise.all([
      tune('{"learningrate": [0.001]}', lakeDir, '2026-04-07', '2026-04-08'),
      tune('{"hidden": [[0]]}', lakeDir, '2026-04-07', '2026-04-08'),
      tune(ok, path.join(dir, 'no-lake'), '2026-04-07', '2026-04-08'),
      tune(ok, lakeDir, '2026-01-02', '2026-01-03'),
      tune(ok, lakeDir, '2026-04-08', '2026-04-09'),
      tune(ok, lakeDir, '2026-04-08', '2026-04-07'),
    ]);
    for (const r of [misspelled, badValue, missing, noTrain, noValid, backwards]) expect(r.code).toBe(2);
    expect(misspelled.stderr).toBe(
      'convoy: --space: unknown key "learningrate" (did you mean "learningRate"?); the traffic model takes trainFrom, cities, target, model, history, horizons, hidden, patience, learningRate, batchSize, seed\n',
    );
    expect(badValue.stderr).toMatch(/^convoy: --space: "hidden" cannot be \[0\]: /);
    expect(missing.stderr).toMatch(/^convoy: --lake .*no-lake does not exist; collect samples into it first/);
    expect(noTrain.stderr).toBe('convoy: no training samples before --train-to 2026-01-02 (the lake holds 2026-04-06 .. 2026-04-07): pick --train-to inside the lake\'s days\n');
    expect(noValid.stderr).toMatch(/^convoy: no validation samples from --train-to 2026-04-08 to --valid-to 2026-04-09 /);
    expect(backwards.stderr).toMatch(/^convoy: --valid-to \(2026-04-07\) must be after --train-to \(2026-04-08\)/);
  });
});
