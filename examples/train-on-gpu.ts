/**
 * Training on a GPU through the cluster. The workers find the machine's GPUs on their own (CUDA_VISIBLE_DEVICES,
 * else /dev/nvidiaN; `convoy start --num-gpus N` to say otherwise); a task that asks for `gpu: 1` runs in that
 * GPU's trainer process and picks the `webgpu` backend, while the same task without a GPU stays on a CPU
 * thread with `wasm`. Both train the same MLP on the same lake here, so their speed can be read side by side.
 * On a machine without a GPU only the CPU run happens.
 *
 *   npx tsx examples/train-on-gpu.ts [samples=1000000] [batch=16384]
 */
import path from 'node:path';
import { connect } from '../cluster/client/index.ts';
import { collect } from '../tasks/index.ts';
import type { trainOnLake as TrainOnLake, TrainOnLakeResult } from './collect-and-train-task.ts';

const samples = Number(process.argv[2] ?? 1_000_000);
const batchSize = Number(process.argv[3] ?? 16_384);
const lakeDir = path.resolve('data/gpu-example-lake');
await using cluster = await connect();

const gpus = (await cluster.status()).nodes.reduce((n, node) => n + (node.total.gpu ?? 0), 0);
console.log(`cluster: ${gpus} GPU${gpus === 1 ? '' : 's'} found`);
const c = await collect(cluster, { source: 'synthetic', cities: ['berlin', 'london', 'tokyo'], from: '2026-03-02', to: '2026-03-09', target: samples, lake: lakeDir, shardSamples: 100_000 });
console.log(`lake: ${c.samples.toLocaleString('en-US')} samples (${c.skipped} of ${c.shardsTotal} shards were already there)`);

const task = new URL('./collect-and-train-task.ts', import.meta.url);
const onCpu = cluster.task<typeof TrainOnLake>(task, 'trainOnLake');
const onGpu = cluster.task<typeof TrainOnLake>(task, 'trainOnLake', { gpu: 1, cpu: 0 });
const splitAt = Date.UTC(2026, 2, 8);
const runs: [string, Promise<TrainOnLakeResult>][] = [['cpu task', cluster.get(onCpu.remote(lakeDir, splitAt, { batchSize }))]];
if (gpus > 0) runs.push(['gpu task', cluster.get(onGpu.remote(lakeDir, splitAt, { batchSize }))]);
for (const [name, result] of runs) {
  const r = await result;
  console.log(
    `${name}: ${r.backend}, ${r.rows.toLocaleString('en-US')} rows seen in ${r.epochs} epochs at batch ${batchSize} in ${r.seconds.toFixed(1)} s ` +
      `(${Math.round(r.rowsPerSecond).toLocaleString('en-US')} rows/s), validation MAE ${r.validMae.toFixed(2)} km/h`,
  );
  console.log(JSON.stringify({ run: name, batchSize, ...r }));
}
