/**
 * One model trained by several processes at once (data-parallel, as PyTorch DDP or Ray Train): collect
 * synthetic samples into a lake, then train the MLP with DataParallelTrainer on 2 ranks, each a process of its
 * own reading half of the lake's files, gradients averaged every step. On a GPU cluster pass
 * `resourcesPerWorker: { gpu: 1 }` for one rank per GPU. Kill a rank's process while it runs (its pid is
 * printed) and watch the run restart from its newest checkpoint.
 *
 *   npx tsx examples/train-distributed.ts [samples=300000] [ranks=2]
 */
import path from 'node:path';
import { connect } from '../cluster/client/index.ts';
import { collect } from '../tasks/index.ts';
import { DataParallelTrainer, ModelRegistry } from '../tasks/training/index.ts';
import { openStorage } from '../cluster/storage/index.ts';

const samples = Number(process.argv[2] ?? 300_000);
const ranks = Number(process.argv[3] ?? 2);
const lake = path.resolve('data/distributed-example-lake');
await using cluster = await connect();

const c = await collect(cluster, { source: 'synthetic', cities: ['berlin', 'tokyo'], from: '2026-03-02', to: '2026-03-06', target: samples, lake, shardSamples: 20_000 });
console.log(`lake: ${c.samples.toLocaleString('en-US')} samples`);

const trainer = new DataParallelTrainer(
  cluster,
  {
    numWorkers: ranks,
    resourcesPerWorker: { cpu: 1 },
    lake,
    name: 'example',
    maxFailures: 2,
    checkpoint: { everySteps: 20 },
    train: { model: { kind: 'mlp', hidden: [64, 64] }, epochs: 3, batchSize: 2048, trainRange: { to: Date.UTC(2026, 2, 5) }, validRange: { from: Date.UTC(2026, 2, 5) } },
  },
  {
    onAttempt: (a) => console.log(`group ${a.attempt}: ${a.worldSize} ranks, pids ${a.ranks.map((r) => r.pid).join(', ')}${a.reason ? ` (after: ${a.reason})` : ''}`),
    onProgress: (p) => console.log(`epoch ${p.epoch + 1}/${p.epochs} step ${p.step}: ${Math.round(p.rowsPerSecond * p.worldSize).toLocaleString('en-US')} rows/s`),
  },
);
const result = await trainer.fit();
console.log(`trained: ${result.steps} steps on ${result.worldSize} ranks, validation MAE ${result.history.at(-1)?.validMae?.toFixed(2)} km/h, ${result.failures} failure(s)`);
const version = await new ModelRegistry(openStorage('data/registry')).register({ model: 'distributed-mlp', artifacts: result.artifacts });
console.log(`registered distributed-mlp v${version.version}; checkpoints in ${result.checkpointUrl}`);
