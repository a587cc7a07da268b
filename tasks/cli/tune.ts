/**
 * `convoy tune`: a grid or random search of traffic models (or any Trainable class) on the cluster, with a
 * live results table. Interrupted? Run it again with --resume.
 */
import path from 'node:path';
import type { Command } from 'commander';
import * as tune from '../../cluster/client/tune/index.ts';
import type { Trainable } from '../../cluster/client/tune/index.ts';
import { formatTrialTable } from '../../scheduler/tune/results.ts';
import { clusterFrom } from './shared.ts';

interface TuneFlags {
  space: string;
  lake?: string;
  trainTo?: string;
  validTo?: string;
  trainable?: string;
  metric: string;
  mode: string;
  maxIterations: string;
  asha?: boolean;
  maxConcurrent?: string;
  resources: string;
  name: string;
  storage: string;
  resume?: boolean;
  address?: string;
  tokenFile?: string;
  json?: boolean;
}

/** JSON search space: arrays are grids; {"uniform":[a,b]}, {"loguniform":[a,b]}, {"randint":[a,b]}, {"choice":[...]}; anything else is fixed. */
export function parseSpace(json: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new TypeError(`--space must be JSON like '{"learningRate": [0.001, 0.003]}': ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new TypeError('--space must be a JSON object');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (Array.isArray(v)) out[k] = tune.grid(v);
    else if (v && typeof v === 'object' && Object.keys(v).length === 1) {
      const [kind, args] = Object.entries(v)[0]!;
      const pair = Array.isArray(args) && args.length === 2 ? (args as [number, number]) : undefined;
      if (kind === 'uniform' && pair) out[k] = tune.uniform(...pair);
      else if (kind === 'loguniform' && pair) out[k] = tune.loguniform(...pair);
      else if (kind === 'randint' && pair) out[k] = tune.randint(...pair);
      else if (kind === 'choice' && Array.isArray(args)) out[k] = tune.choice(args);
      else if (kind === 'grid' && Array.isArray(args)) out[k] = tune.grid(args);
      else out[k] = v;
    } else out[k] = v;
  }
  return out;
}

const day = (flag: string, v: string) => {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (!Number.isFinite(ms)) throw new TypeError(`${flag} must be a date (YYYY-MM-DD), got "${v}"`);
  return ms;
};

export function registerTune(program: Command): void {
  program
    .command('tune')
    .description('search hyperparameters on the cluster (traffic MLPs by default), with a live results table')
    .requiredOption('--space <json>', `search space, e.g. '{"learningRate": [0.001, 0.003], "hidden": [[32], [64, 64]]}'`)
    .option('--lake <path>', 'traffic lake to train on (for the built-in traffic trainable)')
    .option('--train-to <date>', 'training data ends here (exclusive); validation starts here')
    .option('--valid-to <date>', 'validation data ends here (exclusive)')
    .option('--trainable <file#Class>', 'your own Trainable class instead of the traffic one')
    .option('--metric <name>', 'metric to optimise', 'validMae')
    .option('--mode <min|max>', 'minimise or maximise it', 'min')
    .option('--max-iterations <n>', 'iterations (epochs) per trial at most', '3')
    .option('--asha', 'stop weak trials early (ASHA)')
    .option('--max-concurrent <n>', 'trials at once (default: as many as fit)')
    .option('--resources <json>', 'resources per trial', '{"cpu": 1}')
    .option('--name <name>', 'run name (its state lives under --storage/<name>)', 'tune')
    .option('--storage <dir>', 'folder for run state and checkpoints', path.join('data', 'tune'))
    .option('--resume', 'continue the run saved under --name')
    .option('--address <host:port>', 'cluster head (default: CONVOY_ADDRESS, else an embedded local cluster)')
    .option('--token-file <path>', 'cluster token file')
    .option('--json', 'print the result as JSON')
    .action(async (f: TuneFlags) => {
      const space = parseSpace(f.space);
      // The trainable's module URL only: workers load it (and tfjs); this process does not need to.
      // The extension of this file: .ts from the sources, .js in the compiled package.
      let module = new URL(`../training/trainable${path.extname(import.meta.url)}`, import.meta.url);
      let className = 'TrafficTrainable';
      if (f.trainable) {
        const [file, cls] = f.trainable.split('#');
        if (!file || !cls) throw new TypeError(`--trainable takes file#ClassName, got "${f.trainable}"`);
        module = new URL(`file://${path.resolve(file)}`);
        className = cls;
      } else {
        if (!f.lake || !f.trainTo || !f.validTo) throw new TypeError('the traffic trainable needs --lake, --train-to and --valid-to');
        Object.assign(space, { lake: path.resolve(f.lake), trainTo: day('--train-to', f.trainTo), validFrom: day('--train-to', f.trainTo), validTo: day('--valid-to', f.validTo) });
      }
      if (f.mode !== 'min' && f.mode !== 'max') throw new TypeError(`--mode must be min or max, got "${f.mode}"`);
      let resources: Record<string, number>;
      try {
        resources = JSON.parse(f.resources) as Record<string, number>;
      } catch {
        throw new TypeError(`--resources must be JSON like '{"cpu": 1}', got ${f.resources}`);
      }
      const maxIterations = Number(f.maxIterations);
      const cluster = await clusterFrom(f);
      let lastTable = 0;
      try {
        const result = await tune.run(cluster, cluster.actor<new () => Trainable>(module, className), {
          space,
          metric: f.metric,
          mode: f.mode,
          maxIterations,
          scheduler: f.asha ? { type: 'asha', maxT: maxIterations } : 'fifo',
          resourcesPerTrial: resources,
          maxConcurrent: f.maxConcurrent ? Number(f.maxConcurrent) : undefined,
          name: f.name,
          storageDir: f.storage,
          resume: !!f.resume,
          onUpdate: (run, event) => {
            if (f.json || Date.now() - lastTable < 3000) return;
            lastTable = Date.now();
            process.stderr.write(`\n${event}\n${formatTrialTable(run.trials, { metric: f.metric, mode: f.mode as 'min' | 'max' })}\n`);
          },
        });
        if (f.json) return console.log(JSON.stringify(result, null, 2));
        console.log(`\n${result.table}\n`);
        console.log(result.best ? `best: ${result.best.trialId} ${JSON.stringify(result.best.config)} ${f.metric} ${result.best.metric}` : 'no trial reported the metric');
        console.log(`state: ${result.stateFile}`);
      } finally {
        await cluster.close();
      }
    });
}
