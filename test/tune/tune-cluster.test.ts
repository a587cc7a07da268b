import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tune, type Cluster } from '../../cluster/client/index.ts';
import { tsxLoaderUrl } from '../internal.ts';
import { startTestCluster, eventually, type TestCluster } from '../helpers/cluster.ts';
import type * as trainables from '../fixtures/tasks/trainables.ts';
import type { HistoryReport, TuneRunSummary } from '../../cluster/api/head-api.ts';

const TRAINABLES = new URL('../fixtures/tasks/trainables.ts', import.meta.url);
let t: TestCluster;
let cluster: Cluster;
let storageDir: string;

beforeAll(async () => {
  t = await startTestCluster({ workers: 2, cpusPerWorker: 1 });
  cluster = t.cluster;
  storageDir = await mkdtemp(path.join(os.tmpdir(), 'convoy-tune-'));
});
afterAll(async () => t?.stop());

describe('tune on the cluster', () => {
  it('runs a 2×3 grid as 6 trials with the right configs and names the best', async () => {
    const result = await tune.run(cluster, cluster.actor<typeof trainables.Curve>(TRAINABLES, 'Curve'), {
      space: { rate: tune.grid([0.2, 0.6]), x: tune.grid([0, 1, 2]) },
      metric: 'loss',
      mode: 'min',
      maxIterations: 3,
      resourcesPerTrial: { cpu: 0.5 },
      name: 'grid',
      storageDir,
    });
    expect(result.trials).toHaveLength(6);
    const configs = result.trials.map((tr) => `${tr.config.rate}/${tr.config.x}`).sort();
    expect(configs).toEqual(['0.2/0', '0.2/1', '0.2/2', '0.6/0', '0.6/1', '0.6/2']);
    expect(result.trials.every((tr) => tr.status === 'terminated' && tr.results.length === 3)).toBe(true);
    expect(result.best?.config).toEqual({ rate: 0.6, x: 2 });
    expect(result.best!.metric).toBeCloseTo((3 - 2) ** 2 * 0.4 ** 6, 10);
    expect(result.table).toMatch(/6 trials \(6 terminated\)/);
    const saved = JSON.parse(await readFile(result.stateFile, 'utf8')) as { trials: unknown[] };
    expect(saved.trials).toHaveLength(6);
    // The head's history holds the run as it ended: every trial with its last metrics.
    const headers = { authorization: `Bearer ${t.local.token}` };
    let recorded: TuneRunSummary | undefined;
    await eventually(async () => {
      const res = await fetch(`http://${t.local.httpAddress}/api/tune-runs/grid`, { headers });
      recorded = res.ok ? ((await res.json()) as TuneRunSummary) : undefined;
      return recorded?.status === 'finished';
    }, 20_000, 'the finished run in the head history');
    expect(recorded!.trials.map((tr) => `${tr.config.rate}/${tr.config.x}`).sort()).toEqual(configs);
    expect(recorded!.trials.every((tr) => tr.status === 'terminated' && tr.iterations === 3 && typeof tr.metrics.loss === 'number')).toBe(true);
    // Each trial's learning curve: its loss at iterations 1..3, ending at the last loss reported.
    for (const tr of recorded!.trials) expect(tr.curve?.map((p) => p[0])).toEqual([1, 2, 3]);
    expect(recorded!.trials.every((tr) => tr.curve!.at(-1)![1] === tr.metrics.loss)).toBe(true);
    const history = (await (await fetch(`http://${t.local.httpAddress}/api/history`, { headers })).json()) as HistoryReport;
    expect(history.tuneRuns.map((r) => r.name)).toContain('grid');
  });

  it('stops the worse trials early with ASHA and lets the best run to the end', async () => {
    const result = await tune.run(cluster, cluster.actor<typeof trainables.Curve>(TRAINABLES, 'Curve'), {
      space: { rate: tune.grid([0.9, 0.8, 0.7, 0.5, 0.3, 0.2, 0.1, 0.05]) }, // best first: later, worse trials meet the cutoffs
      metric: 'loss',
      mode: 'min',
      scheduler: { type: 'asha', gracePeriod: 1, reductionFactor: 2, maxT: 8 },
      maxConcurrent: 2,
      resourcesPerTrial: { cpu: 0.5 },
      name: 'asha',
      storageDir,
    });
    const stopped = result.trials.filter((tr) => tr.status === 'stopped');
    expect(stopped.length).toBeGreaterThanOrEqual(3);
    expect(stopped.every((tr) => tr.results.length < 8)).toBe(true);
    expect(result.best?.config).toEqual({ rate: 0.9 });
    expect(result.trials.find((tr) => tr.config.rate === 0.9)!.status).toBe('terminated');
    expect(result.trials.find((tr) => tr.config.rate === 0.9)!.results).toHaveLength(8);
  });

  it('resumes a run whose driver crashed: finished trials stay, interrupted ones continue from their checkpoint', { timeout: 240_000 }, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-tune-resume-'));
    const driver = path.join(dir, 'driver.mts'); // .mts: an ES module wherever it lives
    await writeFile(
      driver,
      `import { connect, tune } from ${JSON.stringify(new URL('../../cluster/client/index.ts', import.meta.url).href)};
const cluster = await connect(process.env.ADDR!, { token: process.env.TOKEN! });
const r = await tune.run(cluster, cluster.actor(new URL(${JSON.stringify(TRAINABLES.href)}), 'Curve'), {
  space: { rate: tune.grid([0.3, 0.5, 0.7, 0.9]), sleepMs: 400 }, metric: 'loss', mode: 'min', maxIterations: 6,
  maxConcurrent: 2, resourcesPerTrial: { cpu: 0.5 }, name: 'resume', storageDir: ${JSON.stringify(dir)}, resume: process.argv.includes('--resume'),
});
console.log(JSON.stringify({ best: r.best, statuses: r.trials.map((x) => x.status), iterations: r.trials.map((x) => x.results.map((y) => y.iteration)) }));
await cluster.close();
`,
    );
    const env = { ...process.env, ADDR: t.local.address, TOKEN: t.local.token };
    // The driver runs in this one process (the tsx loader in node itself), so SIGKILL is a real crash. The
    // `tsx` command would start it as a child of its own, which SIGKILL does not reach: that "crashed" driver
    // went on writing the run's state beside the resumed one.
    const driverArgs = ['--import', tsxLoaderUrl(), driver];
    const first = spawn(process.execPath, driverArgs, { env, stdio: 'ignore' });
    const stateFile = path.join(dir, 'resume', 'run.json');
    const readState = async () => JSON.parse(await readFile(stateFile, 'utf8').catch(() => '{"trials":[]}')) as { trials: { status: string; checkpoint?: string; results: unknown[] }[] };
    // Crash the driver once some trial has finished and another has checkpointed mid-way.
    await eventually(async () => {
      const s = await readState();
      return s.trials.some((x) => x.status === 'terminated') && s.trials.some((x) => x.status === 'running' && x.checkpoint);
    }, 120_000, 'a finished trial and a checkpointed running one');
    // While that driver runs, the run is its own: a second driver is refused and changes nothing.
    await expect(
      tune.run(cluster, cluster.actor<typeof trainables.Curve>(TRAINABLES, 'Curve'), { space: { rate: tune.grid([0.3]) }, metric: 'loss', mode: 'min', name: 'resume', storageDir: dir, resume: true }),
    ).rejects.toThrow(new RegExp(`tune run "resume" is in use by process ${first.pid} on this machine`));
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const before = await readState();
    const doneBefore = before.trials.filter((x) => x.status === 'terminated').length;

    const second = spawn(process.execPath, [...driverArgs, '--resume'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    second.stdout!.on('data', (c) => (out += c));
    expect(await new Promise((r) => second.once('exit', r))).toBe(0);
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { best: { config: { rate: number } }; statuses: string[]; iterations: number[][] };
    expect(r.statuses).toEqual(['terminated', 'terminated', 'terminated', 'terminated']);
    expect(r.best.config.rate).toBe(0.9);
    for (const its of r.iterations) expect(its).toEqual([1, 2, 3, 4, 5, 6]); // no iteration lost or repeated
    expect(doneBefore).toBeGreaterThanOrEqual(1);
  });

  it('refuses a run name that would point outside its storage folder', async () => {
    const cls = cluster.actor<typeof trainables.Curve>(TRAINABLES, 'Curve');
    for (const name of ['..', '.', 'a/b']) {
      await expect(tune.run(cluster, cls, { space: { rate: tune.grid([0.5]) }, metric: 'loss', mode: 'min', name, storageDir })).rejects.toThrow(/invalid tune options: name/);
    }
  });
});
