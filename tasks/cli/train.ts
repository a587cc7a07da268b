/**
 * `convoy train`: data-parallel training of a traffic model on the cluster (DataParallelTrainer): `--workers`
 * ranks, each a process holding `--resources` (`{"gpu": 1}`: one per GPU), reading its part of the lake, with
 * gradients averaged every step and rank 0's checkpoints beside the lake. A dead rank or node restarts the
 * group from the newest checkpoint up to `--max-failures` times; `--workers 2-4` is elastic. Interrupted (Ctrl-C,
 * a failure past --max-failures)? Run the same command with the same --name: it resumes.
 *
 *   convoy train --lake ./data/lake --train-to 2026-01-25 --valid-to 2026-01-28 --workers 2
 *   convoy train --lake s3://traffic/lake --train-to … --valid-to … --workers 8 --resources '{"gpu": 1}' --register speed-mlp
 */
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../cluster/client/index.ts';
import { formatCount, formatEta } from '../../cluster/common/index.ts';
import { checkLakeWindows, clusterFrom, day, isUrl, parseCount, parseResources } from './shared.ts';

interface TrainFlags {
  lake: string;
  trainFrom?: string;
  trainTo?: string;
  validTo?: string;
  workers: string;
  resources: string;
  strategy: string;
  model: string;
  hidden?: string;
  history?: string;
  epochs: string;
  batchSize: string;
  learningRate: string;
  maxFailures: string;
  checkpointEvery: string;
  name?: string;
  register?: string;
  registry: string;
  address?: string;
  tokenFile?: string;
  json?: boolean;
}

const STRATEGIES = ['PACK', 'SPREAD', 'STRICT_PACK', 'STRICT_SPREAD'] as const;

/** `4` or `2-4` (elastic: at least 2, up to 4). */
export function parseWorkers(v: string): number | [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(v.trim());
  if (!m) throw new UsageError(`--workers takes a count (4) or a range (2-4), got "${v}"`);
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : Number(m[2]);
  if (min < 1 || max < min) throw new UsageError(`--workers: need 1 ≤ min ≤ max, got "${v}"`);
  return min === max ? min : [min, max];
}

/** {"cpu": 1, "gpu": 1, "tomtom": 1} → the trainer's { cpu, gpu, memory, custom }. */
export function workerResources(flat: Record<string, number>): { cpu?: number; gpu?: number; memory?: number; custom?: Record<string, number> } {
  const { cpu, gpu, memory, ...custom } = flat;
  return { ...(cpu !== undefined ? { cpu } : {}), ...(gpu !== undefined ? { gpu } : {}), ...(memory !== undefined ? { memory } : {}), ...(Object.keys(custom).length ? { custom } : {}) };
}

function parseNumber(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number, got "${v}"`);
  return n;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a traffic model data-parallel across the cluster (one process per rank, e.g. per GPU), with checkpoints and restarts')
    .requiredOption('--lake <path|s3://bucket/prefix>', 'the lake to train on')
    .option('--train-from <date>', 'training data starts here (default: the lake\'s first day)')
    .option('--train-to <date>', 'training data ends here (exclusive); validation starts here')
    .option('--valid-to <date>', 'validation data ends here (exclusive)')
    .option('--workers <n|min-max>', 'ranks: a count, or a range for an elastic run', '2')
    .option('--resources <json>', 'resources per rank, e.g. \'{"gpu": 1}\'', '{"cpu": 1}')
    .option('--strategy <name>', `how ranks are spread over nodes: ${STRATEGIES.join(', ')}`, 'PACK')
    .option('--model <mlp|gru>', 'the model', 'mlp')
    .option('--hidden <sizes>', 'hidden layer sizes, e.g. 64,64 (MLP) or 32 (GRU)')
    .option('--history <n>', 'five-minute readings each forecast sees (GRU; default 12)')
    .option('--epochs <n>', 'passes over the training data', '1')
    .option('--batch-size <n>', 'rows per step on each rank', '4096')
    .option('--learning-rate <x>', 'Adam step size', '0.001')
    .option('--max-failures <n>', 'restarts from the newest checkpoint after a rank or node dies', '2')
    .option('--checkpoint-every <n>', 'steps between checkpoints', '500')
    .option('--name <name>', 'run name: its checkpoints live under <lake>/_train/<name>; the same name resumes')
    .option('--register <model>', 'register the trained model under this name in --registry')
    .option('--registry <path|s3://bucket/prefix>', 'model registry for --register', path.join('data', 'registry'))
    .option('--address <host:port>', 'cluster head (default: CONVOY_ADDRESS, else an embedded local cluster)')
    .option('--token-file <path>', 'cluster token file')
    .option('--json', 'print the result as JSON')
    .action(async (f: TrainFlags) => {
      const numWorkers = parseWorkers(f.workers);
      if (!/^\d+$/.test(f.maxFailures)) throw new UsageError(`--max-failures must be a whole number ≥ 0, got "${f.maxFailures}"`);
      const maxFailures = Number(f.maxFailures);
      const resourcesPerWorker = workerResources(parseResources(f.resources));
      const strategy = f.strategy.toUpperCase();
      if (!(STRATEGIES as readonly string[]).includes(strategy)) throw new UsageError(`--strategy must be one of ${STRATEGIES.join(', ')}, got "${f.strategy}"`);
      if (f.model !== 'mlp' && f.model !== 'gru') throw new UsageError(`--model must be mlp or gru, got "${f.model}"`);
      const hidden = f.hidden?.split(',').map((h) => parseCount('--hidden', h));
      const history = f.history !== undefined ? parseCount('--history', f.history) : undefined;
      if (history !== undefined && f.model !== 'gru') throw new UsageError('--history is for --model gru (the MLP sees no history)');
      const trainTo = day('--train-to', f.trainTo);
      const validTo = day('--valid-to', f.validTo);
      if (!(validTo > trainTo)) throw new UsageError(`--valid-to (${f.validTo}) must be after --train-to (${f.trainTo}): validation is [--train-to, --valid-to)`);
      const trainFrom = f.trainFrom !== undefined ? day('--train-from', f.trainFrom) : undefined;
      await checkLakeWindows(f.lake, trainFrom, trainTo, validTo);
      const lake = isUrl(f.lake) ? f.lake : path.resolve(f.lake);
      const model = f.model === 'mlp' ? { kind: 'mlp' as const, ...(hidden ? { hidden } : {}) } : { kind: 'gru' as const, history: history ?? 12, ...(hidden ? { hidden: hidden[0] } : {}) };

      const { DataParallelTrainer } = await import('../training/distributed/data-parallel-trainer.ts');
      const cluster = await clusterFrom(f);
      const stop = new AbortController();
      const trainer = await newTrainerOrClose(cluster, () => new DataParallelTrainer(
        cluster,
        {
          numWorkers,
          resourcesPerWorker,
          placementStrategy: strategy as (typeof STRATEGIES)[number],
          lake,
          ...(f.name ? { name: f.name } : {}),
          maxFailures,
          checkpoint: { everySteps: parseCount('--checkpoint-every', f.checkpointEvery) },
          train: {
            model,
            epochs: parseCount('--epochs', f.epochs),
            batchSize: parseCount('--batch-size', f.batchSize),
            learningRate: parseNumber('--learning-rate', f.learningRate),
            trainRange: { ...(trainFrom !== undefined ? { from: trainFrom } : {}), to: trainTo },
            validRange: { from: trainTo, to: validTo },
          },
        },
        {
          onAttempt: (a) => {
            if (f.json) return;
            const where = [...new Set(a.ranks.map((r) => r.nodeId))].length;
            process.stderr.write(`${a.attempt === 0 ? 'started' : `restarted (${a.reason})`}: ${a.worldSize} rank(s) on ${where} node(s)\n`);
          },
          onProgress: (p) => {
            if (f.json) return;
            const eta = p.etaSeconds !== undefined ? ` · ETA ${formatEta(p.etaSeconds)}` : '';
            process.stderr.write(`${p.phase} epoch ${p.epoch + 1}/${p.epochs} · step ${formatCount(p.step)} · ${formatCount(Math.round(p.rowsPerSecond * p.worldSize))} rows/s${eta} · ${p.worldSize} rank(s)\n`);
          },
        },
      ));
      const onSignal = () => stop.abort(new UsageError(`stopped; run the same command with --name ${trainer.name} to resume from its newest checkpoint`));
      process.once('SIGINT', onSignal);
      try {
        const result = await trainer.fit({ signal: stop.signal });
        const last = result.history.at(-1);
        let registered: number | undefined;
        if (f.register) {
          const [{ openStorage }, { ModelRegistry }] = await Promise.all([import('../../cluster/storage/index.ts'), import('../training/artifacts/registry.ts')]);
          const v = await new ModelRegistry(openStorage(f.registry)).register({
            model: f.register,
            artifacts: result.artifacts,
            config: { model, workers: result.worldSize, epochs: result.epochsCompleted, run: trainer.name },
            metrics: { validMae: last?.validMae, validRmse: last?.validRmse, steps: result.steps },
            dataRange: { ...(trainFrom !== undefined ? { from: trainFrom } : {}), to: trainTo },
          });
          registered = v.version;
        }
        const summary = {
          name: trainer.name,
          worldSize: result.worldSize,
          steps: result.steps,
          epochs: result.epochsCompleted,
          rowsSeen: result.rowsSeen,
          validMae: last?.validMae,
          validRmse: last?.validRmse,
          failures: result.failures,
          restarts: result.attempts.length - 1,
          backend: result.backend,
          checkpoints: result.checkpointUrl,
          ...(registered !== undefined ? { registered: { model: f.register, version: registered } } : {}),
        };
        if (f.json) console.log(JSON.stringify(summary, null, 2));
        else {
          console.log(`trained ${trainer.name}: ${summary.steps} steps, ${summary.epochs} epoch(s), ${formatCount(summary.rowsSeen)} rows on ${summary.worldSize} rank(s) (${summary.backend})`);
          console.log(`validation MAE ${last?.validMae?.toFixed(3) ?? 'n/a'} km/h, RMSE ${last?.validRmse?.toFixed(3) ?? 'n/a'}; ${summary.failures} failure(s), ${summary.restarts} restart(s)`);
          console.log(`checkpoints: ${summary.checkpoints}`);
          if (registered !== undefined) console.log(`registered ${f.register} v${registered} in ${f.registry}`);
        }
      } finally {
        process.off('SIGINT', onSignal);
        await cluster.close();
      }
    });
}

/** The trainer, or (its options refused) the cluster closed before the error reaches the user. */
async function newTrainerOrClose<T>(cluster: { close(): Promise<void> }, make: () => T): Promise<T> {
  try {
    return make();
  } catch (err) {
    await cluster.close();
    throw err;
  }
}
