/**
 * `convoy tune`: a grid or random search of traffic models (or any Trainable class) on the cluster, with a
 * live results table. Interrupted? Run it again with --resume.
 *
 * Everything the traffic model needs is checked before a process starts: the space's keys and values, the
 * dates, and that the lake holds samples in both the training and the validation window. A run in which no
 * trial reported the metric exits non-zero and says why.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../cluster/client/index.ts';
import * as tune from '../../cluster/tune/index.ts';
import { formatTrialTable, type Trainable, type Trial } from '../../cluster/tune/index.ts';
import { TRAFFIC_METRICS, TRAFFIC_SPACE_KEYS, trialModel, trialValueProblem, type TrafficTrialConfig } from '../training/trial-config.ts';
import { checkLakeWindows, clusterFrom, day, isUrl, parseCount, parseResources } from './shared.ts';

interface TuneFlags {
  space: string;
  lake?: string;
  trainTo?: string;
  validTo?: string;
  trainable?: string;
  model?: string;
  history?: string;
  horizons?: string;
  patience?: string;
  metric?: string;
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
    throw new UsageError(`--space must be JSON like '{"learningRate": [0.001, 0.003]}': ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UsageError(`--space must be a JSON object like '{"learningRate": [0.001, 0.003]}'`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (Array.isArray(v)) out[k] = tune.grid(v);
    else if (v && typeof v === 'object' && Object.keys(v).length === 1) {
      const [kind, args] = Object.entries(v)[0]!;
      const pair = Array.isArray(args) && args.length === 2 && args.every((a) => typeof a === 'number') ? (args as [number, number]) : undefined;
      if (kind === 'uniform' && pair) out[k] = tune.uniform(...pair);
      else if (kind === 'loguniform' && pair) out[k] = tune.loguniform(...pair);
      else if (kind === 'randint' && pair) out[k] = tune.randint(...pair);
      else if (kind === 'choice' && Array.isArray(args)) out[k] = tune.choice(args);
      else if (kind === 'grid' && Array.isArray(args)) out[k] = tune.grid(args);
      else if (['uniform', 'loguniform', 'randint', 'choice', 'grid'].includes(kind)) {
        throw new UsageError(`--space: "${k}": ${kind} takes ${kind === 'choice' || kind === 'grid' ? 'a list of values' : 'two numbers [low, high]'}, got ${JSON.stringify(args)}`);
      } else out[k] = v;
    } else out[k] = v;
  }
  return out;
}

/** Keys the command sets from its own flags: the space must not set them too. */
const FROM_FLAGS: Partial<Record<keyof TrafficTrialConfig, string>> = { lake: '--lake', trainTo: '--train-to', validFrom: '--train-to', validTo: '--valid-to' };

/** Checks a parsed space against the traffic model's config: each key known, each value usable. */
export function checkTrafficSpace(space: Record<string, unknown>): void {
  const valid = TRAFFIC_SPACE_KEYS.filter((k) => !FROM_FLAGS[k]);
  for (const [key, value] of Object.entries(space)) {
    if (FROM_FLAGS[key as keyof TrafficTrialConfig]) throw new UsageError(`--space: "${key}" comes from ${FROM_FLAGS[key as keyof TrafficTrialConfig]}, not from the space`);
    if (!(TRAFFIC_SPACE_KEYS as string[]).includes(key)) {
      const near = valid.find((k) => k.toLowerCase() === key.toLowerCase().replace(/[-_\s]/g, ''));
      throw new UsageError(`--space: unknown key "${key}"${near ? ` (did you mean "${near}"?)` : ''}; the traffic model takes ${valid.join(', ')}`);
    }
    const k = key as keyof TrafficTrialConfig;
    const d = value as { kind?: string; values?: unknown[]; low?: number; high?: number };
    const values = d && typeof d === 'object' && 'kind' in d ? (d.values ?? [d.low, d.high]) : [value];
    for (const v of values) {
      const problem = trialValueProblem(k, v);
      if (problem) throw new UsageError(`--space: "${key}" cannot be ${JSON.stringify(v)}: ${problem}`);
    }
  }
}

/** The flags that set one model key for every trial (the space may set them instead, not as well). */
const MODEL_FLAGS = { model: '--model', history: '--history', horizons: '--horizons', patience: '--patience' } as const;

/** Adds --model, --history, --horizons and --patience to the space as fixed values, then checks that each combination the space can make builds a model. */
export function applyModelFlags(space: Record<string, unknown>, f: Pick<TuneFlags, 'model' | 'history' | 'horizons' | 'patience'>): void {
  const given: Record<string, unknown> = {};
  if (f.model !== undefined) given.model = f.model;
  if (f.history !== undefined) given.history = Number(f.history);
  if (f.horizons !== undefined) given.horizons = f.horizons.split(',').map((s) => Number(s.trim()));
  if (f.patience !== undefined) given.patience = Number(f.patience);
  for (const [key, value] of Object.entries(given)) {
    const flag = MODEL_FLAGS[key as keyof typeof MODEL_FLAGS];
    if (key in space) throw new UsageError(`${flag} and --space both set "${key}": give it one way`);
    const problem = trialValueProblem(key as keyof TrafficTrialConfig, value);
    if (problem) throw new UsageError(`${flag} cannot be ${JSON.stringify(value)}: ${problem}`);
    space[key] = value;
  }
  const choices = (key: string): unknown[] => {
    const v = space[key] as { kind?: string; values?: unknown[] } | undefined;
    if (v === undefined) return [undefined];
    return v && typeof v === 'object' && !Array.isArray(v) && 'kind' in v ? (v.values ?? [undefined]) : [v];
  };
  for (const model of choices('model')) {
    for (const history of choices('history')) {
      for (const horizons of choices('horizons')) {
        try {
          trialModel({ model: model as 'mlp' | 'gru' | 'graph' | 'linear' | undefined, history: history as number | undefined, horizons: horizons as number[] | undefined });
        } catch (err) {
          throw new UsageError(`${(err as Error).message} (model ${String(model ?? 'mlp')}, history ${String(history ?? 'default')})`);
        }
      }
    }
  }
}

/** Why no trial has a best value of `metric`, for the error that ends the command. */
export function noBestReason(trials: readonly Trial[], metric: string): string {
  if (trials.length === 0) return `no trial reported ${metric}: the space expanded to no trials`;
  const failed = trials.filter((t) => t.status === 'error');
  if (failed.length === trials.length) return `no trial reported ${metric}: all ${trials.length} trial(s) failed (first: ${failed[0]!.id}: ${failed[0]!.error ?? 'no error recorded'})`;
  const values = trials.flatMap((t) => t.results.map((r) => r.metrics[metric]));
  if (values.length > 0 && values.every((v) => v === undefined || !Number.isFinite(v))) {
    return `no trial reported a finite ${metric} (every value was NaN or missing): the validation window probably holds no samples the model can score`;
  }
  return `no trial reported ${metric} (${failed.length} of ${trials.length} failed${failed[0] ? `, first: ${failed[0].id}: ${failed[0].error}` : ''})`;
}

export function registerTune(program: Command): void {
  program
    .command('tune')
    .description('search hyperparameters on the cluster (traffic MLPs by default), with a live results table')
    .requiredOption('--space <json>', `search space, e.g. '{"learningRate": [0.001, 0.003], "hidden": [[32], [64, 64]]}'`)
    .option('--lake <path>', 'traffic lake to train on (for the built-in traffic trainable)')
    .option('--train-to <date>', 'training data ends here (exclusive); validation starts here')
    .option('--valid-to <date>', 'validation data ends here (exclusive)')
    .option('--trainable <file#Class>', 'your own Trainable class instead of the traffic one')
    .option('--model <mlp|gru|graph|linear>', 'traffic model: an MLP, a GRU over the history window, the graph model (a GRU that also reads neighbours through the graph `convoy import-graph` stored), or a linear model solved in closed form; default mlp')
    .option('--history <n>', 'five-minute readings each forecast sees (default 0 for the MLP: no history; 12 for the GRU)')
    .option('--horizons <minutes>', 'minutes ahead to forecast, e.g. 15,30,60 (models with history)')
    .option('--patience <n>', 'stop a trial after this many epochs without a better validMae')
    .option('--metric <name>', 'metric to optimise (default: bestValidMae for the traffic model, its best epoch; else validMae)')
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
      const metric = f.metric ?? (f.trainable ? 'validMae' : 'bestValidMae');
      if (f.mode !== 'min' && f.mode !== 'max') throw new UsageError(`--mode must be min or max, got "${f.mode}"`);
      const maxIterations = parseCount('--max-iterations', f.maxIterations);
      const maxConcurrent = f.maxConcurrent ? parseCount('--max-concurrent', f.maxConcurrent) : undefined;
      const resources = parseResources(f.resources);
      if (f.resume && !existsSync(path.join(f.storage, f.name, 'run.json'))) {
        throw new UsageError(`--resume: no run "${f.name}" under ${f.storage} (run without --resume to start it, or pass its --name and --storage)`);
      }
      // The trainable's module URL only: workers load it (and tfjs); this process does not need to.
      // The extension of this file: .ts from the sources, .js in the compiled package.
      let module = new URL(`../training/trainable${path.extname(import.meta.url)}`, import.meta.url);
      let className = 'TrafficTrainable';
      if (f.trainable) {
        const [file, cls] = f.trainable.split('#');
        if (!file || !cls) throw new UsageError(`--trainable takes file#ClassName, got "${f.trainable}"`);
        if (!existsSync(file)) throw new UsageError(`--trainable: ${file} does not exist`);
        const traffic = Object.entries(MODEL_FLAGS).filter(([k]) => f[k as keyof typeof MODEL_FLAGS] !== undefined).map(([, flag]) => flag);
        if (traffic.length) throw new UsageError(`${traffic.join(', ')} set the traffic model; with --trainable, put your trainable's settings in --space`);
        module = new URL(`file://${path.resolve(file)}`);
        className = cls;
      } else {
        if (!f.lake) throw new UsageError('the traffic model needs --lake (the lake collect wrote), --train-to and --valid-to');
        if (!(TRAFFIC_METRICS as readonly string[]).includes(metric)) throw new UsageError(`--metric: the traffic model reports ${TRAFFIC_METRICS.join(', ')}, not "${metric}"`);
        checkTrafficSpace(space);
        applyModelFlags(space, f);
        const trainTo = day('--train-to', f.trainTo);
        const validTo = day('--valid-to', f.validTo);
        if (!(validTo > trainTo)) throw new UsageError(`--valid-to (${f.validTo}) must be after --train-to (${f.trainTo}): validation is [--train-to, --valid-to)`);
        const trainFrom = typeof space.trainFrom === 'number' ? space.trainFrom : undefined;
        await checkLakeWindows(f.lake, trainFrom, trainTo, validTo);
        Object.assign(space, { lake: isUrl(f.lake) ? f.lake : path.resolve(f.lake), trainTo, validFrom: trainTo, validTo });
      }
      const cluster = await clusterFrom(f);
      let lastTable = 0;
      try {
        const result = await tune.run(cluster, cluster.actor<new () => Trainable>(module, className), {
          space,
          metric,
          mode: f.mode,
          maxIterations,
          scheduler: f.asha ? { type: 'asha', maxT: maxIterations } : 'fifo',
          resourcesPerTrial: resources,
          maxConcurrent,
          name: f.name,
          storageDir: f.storage,
          resume: !!f.resume,
          onUpdate: (run, event) => {
            if (f.json || Date.now() - lastTable < 3000) return;
            lastTable = Date.now();
            process.stderr.write(`\n${event}\n${formatTrialTable(run.trials, { metric, mode: f.mode as 'min' | 'max' })}\n`);
          },
        });
        if (f.json) console.log(JSON.stringify(result, null, 2));
        else console.log(`\n${result.table}\n`);
        if (!result.best) throw new Error(`${noBestReason(result.trials, metric)}; the run's state is in ${result.stateFile}`);
        if (!f.json) {
          console.log(`best: ${result.best.trialId} ${JSON.stringify(result.best.config)} ${metric} ${result.best.metric}`);
          console.log(`state: ${result.stateFile}`);
        }
      } finally {
        await cluster.close();
      }
    });
}
