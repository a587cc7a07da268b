/**
 * `tune.run`: a hyperparameter search on the cluster. Each trial is an actor (a Trainable class: setup, step,
 * save, restore, as in Ray Tune's class API) placed with the trial's resources; the driver calls `step()` for
 * each iteration, records the metrics, asks the scheduler (FIFO, or ASHA early stopping) whether to go on, and
 * checkpoints every K iterations. The run's state is plain JSON written after every event, so a driver that
 * crashes resumes with `resume: true`: finished trials stay finished, interrupted ones restart from their last
 * checkpoint. A run has one driver at a time (run-lock.ts): its state has one writer.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  ashaOnResult,
  bestTrial,
  trialMetric,
  createAshaState,
  createTrials,
  expandSpace,
  formatTrialTable,
  isRunFinished,
  recoverRun,
  transitionTrial,
  trialsToStart,
  updateTrial,
  type AshaOptions,
  type SearchSpace,
  type Trial,
  type TrialConfig,
  type TuneRun,
} from '../../scheduler/tune/index.ts';
import { mulberry32 } from '../../scheduler/random.ts';
import { writeFileAtomicSync } from '../common/atomic-file.ts';
import { errorMessage } from '../common/errors.ts';
import { formatZodIssues } from '../common/zod-issues.ts';
import type { ActorClass, ActorHandle, Cluster } from '../client/cluster.ts';
import type { ObjectRef } from '../client/object-ref.ts';
import type { ActorOptions } from '../client/options.ts';
import { TuneError } from './errors.ts';
import { learningCurve } from './learning-curve.ts';
import { acquireRunLock } from './run-lock.ts';

export { TuneError, TuneRunInUseError } from './errors.ts';

/** What a trainable class implements. `step` is one iteration (an epoch, usually) and returns its metrics. */
export interface Trainable {
  setup?(config: TrialConfig, context: TrialContext): void | Promise<void>;
  step(): StepResult | Promise<StepResult>;
  /** Writes a checkpoint and returns its key (a path or storage key the same trainable can restore). */
  save?(): string | Promise<string>;
  restore?(checkpoint: string): void | Promise<void>;
}

export type StepResult = Record<string, number | boolean | undefined> & { done?: boolean };

export interface TrialContext {
  trialId: string;
  runName: string;
  /** A folder (or key prefix) of this trial's own, for its checkpoints. */
  checkpointPrefix: string;
}

const optionsSchema = z.object({
  space: z.record(z.string(), z.unknown()),
  metric: z.string().min(1),
  mode: z.enum(['min', 'max']),
  /** Resources each trial holds (its actor's). @default { cpu: 1 } */
  resourcesPerTrial: z.object({ cpu: z.number().nonnegative().optional(), gpu: z.number().nonnegative().optional(), memory: z.number().nonnegative().optional(), custom: z.record(z.string(), z.number()).optional() }).optional(),
  /** Trials running at once. @default as many as the cluster's resources allow */
  maxConcurrent: z.number().int().positive().optional(),
  /** Samples per grid point for random domains. @default 1 */
  numSamples: z.number().int().positive().default(1),
  /** Stop every trial after this many iterations. @default 100 (ASHA's maxT when ASHA is used) */
  maxIterations: z.number().int().positive().optional(),
  scheduler: z.union([z.literal('fifo'), z.object({ type: z.literal('asha'), gracePeriod: z.number().int().positive().optional(), reductionFactor: z.number().gt(1).optional(), maxT: z.number().int().positive().optional() })]).default('fifo'),
  /** Checkpoint every K iterations (and at the end); 0 disables. @default 1 */
  checkpointEvery: z.number().int().nonnegative().default(1),
  /** Restarts of a failing trial (from its checkpoint). @default 1 */
  maxFailures: z.number().int().nonnegative().default(1),
  /** Run name: its state lives in `<storageDir>/<name>/`. @default 'tune' */
  name: z
    .string()
    .regex(/^[\w.-]+$/, 'letters, digits, dot, dash and underscore only')
    .refine((n) => !/^\.+$/.test(n), 'not "." or ".." (it names a folder under storageDir)')
    .default('tune'),
  /** Where run state and trial checkpoints live. @default './data/tune' */
  storageDir: z.string().default(path.join('data', 'tune')),
  /** Continue the run saved under `name` instead of starting over. @default false */
  resume: z.boolean().default(false),
  /** Seed for random search spaces. @default 1 */
  seed: z.number().int().default(1),
  /**
   * Run the next trial in a finished trial's actor (calling `setup` again) instead of starting a new one, as
   * Ray Tune's `reuse_actors`: starting an actor costs a thread and a module load. `setup` must then reset
   * all state. @default true
   */
  reuseActors: z.boolean().default(true),
});

export type TuneOptions = z.input<typeof optionsSchema> & {
  /** Called after every result and trial state change, with the run so far (for a live table). */
  onUpdate?: (run: TuneRun, event: string) => void;
  /** Publish progress to the dashboard. @default true */
  reportProgress?: boolean;
};

export interface TuneResult {
  name: string;
  trials: Trial[];
  best?: { trialId: string; config: TrialConfig; metric: number; checkpoint?: string; iterations: number };
  elapsedS: number;
  stateFile: string;
  table: string;
}

/**
 * Runs a search. `trainable` is an actor class from `cluster.actor(module, className)`.
 *
 * @example
 * const result = await tune.run(cluster, cluster.actor(new URL('./trainable.ts', import.meta.url), 'SpeedTrainable'), {
 *   space: { lr: tune.grid([1e-3, 1e-2]), hidden: tune.grid([[32], [64, 64], [128]]) },
 *   metric: 'validMae', mode: 'min', resourcesPerTrial: { cpu: 1 }, scheduler: { type: 'asha', maxT: 10 },
 * });
 * console.log(result.best);
 */
/** At most this often, a running search reports its trials to the head's history. */
const HISTORY_REPORT_MS = 1000;

export async function run(cluster: Cluster, trainable: ActorClass<new () => Trainable>, given: TuneOptions): Promise<TuneResult> {
  const parsed = optionsSchema.safeParse(given);
  if (!parsed.success) throw new TypeError(`invalid tune options: ${formatZodIssues(parsed.error.issues, { root: 'options' }).join('; ')}`);
  const o = parsed.data;
  const runDir = path.resolve(o.storageDir, o.name);
  mkdirSync(runDir, { recursive: true });
  const lock = acquireRunLock(runDir, o.name);
  try {
    return await runLocked(cluster, trainable, given, o, runDir);
  } finally {
    lock.release();
  }
}

/** The run itself, once this driver is the run's only one. */
async function runLocked(
  cluster: Cluster,
  trainable: ActorClass<new () => Trainable>,
  given: TuneOptions,
  o: z.output<typeof optionsSchema>,
  runDir: string,
): Promise<TuneResult> {
  const stateFile = path.join(runDir, 'run.json');
  const maxT = o.scheduler !== 'fifo' ? (o.scheduler.maxT ?? o.maxIterations ?? 100) : (o.maxIterations ?? 100);
  const ashaOptions: AshaOptions | undefined =
    o.scheduler === 'fifo' ? undefined : { metric: o.metric, mode: o.mode, gracePeriod: o.scheduler.gracePeriod, reductionFactor: o.scheduler.reductionFactor, maxT };

  let state: TuneRun;
  if (o.resume) {
    let saved: TuneRun;
    try {
      saved = JSON.parse(readFileSync(stateFile, 'utf8')) as TuneRun;
    } catch (err) {
      throw new TuneError(`cannot resume run "${o.name}": no readable state at ${stateFile} (${errorMessage(err)})`);
    }
    state = recoverRun(saved);
  } else {
    // Starting over: an earlier run of this name leaves its trials' checkpoints under the same trial ids, and a
    // trainable that resumes from its checkpoint folder would continue that run's training instead of starting.
    for (const entry of readdirSync(runDir)) {
      if (/^trial_\d+$/.test(entry)) rmSync(path.join(runDir, entry), { recursive: true, force: true });
    }
    const configs = expandSpace(o.space as SearchSpace, { numSamples: o.numSamples, random: mulberry32(o.seed) });
    state = { version: 1, trials: createTrials(configs), ...(ashaOptions ? { asha: createAshaState(ashaOptions) } : {}) };
  }
  const save = () => writeFileAtomicSync(stateFile, JSON.stringify(state));
  save();

  const resources = o.resourcesPerTrial ?? { cpu: 1 };
  const cls = trainable.options({ ...(resources as ActorOptions), name: `trial` });
  const maxConcurrent = o.maxConcurrent ?? (await concurrencyFor(cluster, resources));
  const started = performance.now();
  const startedAt = Date.now();
  // The head's history gets the run as it stands: at most once a second while it runs, and its end always.
  let lastHistoryReport = 0;
  const reportHistory = (status: 'running' | 'finished' | 'failed') => {
    const now = Date.now();
    if (status === 'running' && now - lastHistoryReport < HISTORY_REPORT_MS) return;
    lastHistoryReport = now;
    cluster.reportTuneRun({
      name: o.name,
      jobId: '',
      metric: o.metric,
      mode: o.mode,
      status,
      startedAt,
      updatedAt: now,
      trials: state.trials.map((t) => ({
        trialId: t.id,
        config: t.config as Record<string, unknown>,
        status: t.status,
        metrics: t.results.at(-1)?.metrics ?? {},
        iterations: t.results.length,
        curve: learningCurve(t.results, o.metric),
        ...(t.error ? { error: t.error.slice(0, 4000) } : {}),
      })),
    });
  };
  const update = (id: string, event: Parameters<typeof transitionTrial>[1], what: string) => {
    state = updateTrial(state, id, (t) => transitionTrial(t, event));
    save();
    reportHistory('running');
    given.onUpdate?.(state, what);
    if (given.reportProgress !== false) {
      const done = state.trials.filter((t) => ['terminated', 'stopped', 'error'].includes(t.status)).length;
      const secs = (performance.now() - started) / 1000;
      cluster.reportProgress({
        id: `tune-${o.name}`,
        label: `tune ${o.name} (${o.metric}, ${o.mode})`,
        done,
        total: state.trials.length,
        rate: secs > 0 ? done / secs : 0,
        etaS: done > 0 ? ((state.trials.length - done) * secs) / done : null,
        extra: { running: state.trials.filter((t) => t.status === 'running').length },
      });
    }
  };

  const idle: ActorHandle<Trainable>[] = [];
  const runTrial = async (id: string): Promise<void> => {
    const trial = state.trials.find((t) => t.id === id)!;
    update(id, { type: 'start', at: Date.now() }, `${id} started`);
    let actor: ActorHandle<Trainable> | undefined;
    let healthy = false;
    try {
      actor = (o.reuseActors ? idle.pop() : undefined) ?? cls.remote();
      const context: TrialContext = { trialId: id, runName: o.name, checkpointPrefix: path.join(runDir, id) };
      const a = actor;
      // setup, save and restore are optional: a trainable without them just has no such step.
      const optional = async <T>(method: 'setup' | 'save' | 'restore', ...args: unknown[]): Promise<T | undefined> => {
        try {
          return (await cluster.get((a.call as (m: string, ...x: unknown[]) => ObjectRef<unknown>)(method, ...args))) as T;
        } catch (err) {
          if (errorMessage(err).includes(`actor has no method "${method}"`)) return undefined;
          throw err;
        }
      };
      await optional('setup', trial.config, context);
      if (trial.checkpoint) await optional('restore', trial.checkpoint);
      for (;;) {
        const last = state.trials.find((t) => t.id === id)!.results.at(-1)?.iteration ?? 0;
        const iteration = last + 1;
        const out = (await cluster.get(actor.call('step'))) as StepResult;
        const metrics = Object.fromEntries(Object.entries(out).filter((e): e is [string, number] => typeof e[1] === 'number'));
        if (!(o.metric in metrics)) throw new TuneError(`step() of ${id} returned no "${o.metric}" (it returned: ${Object.keys(metrics).join(', ') || 'nothing'})`);
        update(id, { type: 'result', result: { iteration, metrics, at: Date.now() } }, `${id} iteration ${iteration}`);
        const finishing = out.done === true || iteration >= maxT;
        let stop: string | undefined;
        if (state.asha && !finishing) {
          const d = ashaOnResult(state.asha, ashaOptions!, id, iteration, metrics[o.metric]!);
          state = { ...state, asha: d.state };
          if (d.decision.action === 'stop' && d.decision.reason === 'below_cutoff') stop = `ASHA: below the cutoff at iteration ${d.decision.milestone}`;
        }
        if (o.checkpointEvery > 0 && (finishing || stop || iteration % o.checkpointEvery === 0)) {
          const key = await optional<string>('save');
          if (key) update(id, { type: 'checkpoint', key }, `${id} checkpoint`);
        }
        if (stop || finishing) {
          healthy = true;
          if (stop) return update(id, { type: 'early-stop', at: Date.now(), reason: stop }, `${id} stopped`);
          return update(id, { type: 'complete', at: Date.now() }, `${id} done`);
        }
      }
    } catch (err) {
      update(id, { type: 'fail', at: Date.now(), error: errorMessage(err), maxFailures: o.maxFailures }, `${id} failed`);
    } finally {
      // A failed trial's actor may be in any state: only a healthy one runs the next trial.
      if (actor && healthy && o.reuseActors && actor.state === 'alive') idle.push(actor);
      else actor?.kill();
    }
  };

  // Start trials as slots free up; a failed trial goes back to pending and is started again (from its checkpoint).
  const inFlight = new Map<string, Promise<void>>();
  while (!isRunFinished(state)) {
    for (const id of trialsToStart(state, maxConcurrent)) {
      if (inFlight.has(id)) continue;
      const p = runTrial(id).finally(() => inFlight.delete(id));
      inFlight.set(id, p);
    }
    if (inFlight.size === 0) break;
    await Promise.race(inFlight.values());
  }

  for (const a of idle.splice(0)) a.kill();
  reportHistory(state.trials.some((t) => t.status === 'error') && !state.trials.some((t) => t.status === 'terminated') ? 'failed' : 'finished');
  const best = bestTrial(state.trials, { metric: o.metric, mode: o.mode });
  // The trial's last report, as the trial was chosen by (Ray's default scope): its checkpoint is the last one, so
  // a best-ever value from an earlier iteration would describe weights the checkpoint no longer holds.
  const bestMetric = best ? trialMetric(best, { metric: o.metric, mode: o.mode }) : undefined;
  return {
    name: o.name,
    trials: state.trials,
    best:
      best && bestMetric !== undefined
        ? { trialId: best.id, config: best.config, metric: bestMetric, checkpoint: best.checkpoint, iterations: best.results.length }
        : undefined,
    elapsedS: (performance.now() - started) / 1000,
    stateFile,
    table: formatTrialTable(state.trials, { metric: o.metric, mode: o.mode }),
  };
}

/** How many trials fit on the cluster at once, from its total resources (at least one). */
async function concurrencyFor(cluster: Cluster, r: { cpu?: number; gpu?: number }): Promise<number> {
  const s = await cluster.status();
  let n = 0;
  for (const node of s.nodes) {
    if (node.state !== 'alive') continue;
    const byCpu = r.cpu ? Math.floor((node.total.cpu ?? 0) / r.cpu) : Number.POSITIVE_INFINITY;
    const byGpu = r.gpu ? Math.floor((node.total.gpu ?? 0) / r.gpu) : Number.POSITIVE_INFINITY;
    const fit = Math.min(byCpu, byGpu);
    n += Number.isFinite(fit) ? fit : 4;
  }
  return Math.max(1, n);
}
