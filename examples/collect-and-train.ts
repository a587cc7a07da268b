/**
 * The traffic workloads from a driver script: collect synthetic samples for three cities into a lake, look at
 * what landed, and train an MLP over the lake in a task on the cluster (streaming, never loading it all).
 *
 *   npx tsx examples/collect-and-train.ts
 */
import path from 'node:path';
import { connect } from '../cluster/client/index.ts';
import { collect, openLake } from '../tasks/index.ts';

const lakeDir = path.resolve('data/example-lake');
await using cluster = await connect();
const summary = await collect(cluster, {
  source: 'synthetic',
  cities: ['berlin', 'london', 'tokyo'],
  from: '2026-03-02',
  to: '2026-03-09',
  target: 300_000,
  lake: lakeDir,
  shardSamples: 50_000,
});
console.log(`collected ${summary.samples} samples in ${summary.elapsedS.toFixed(1)} s (${summary.skipped} shards were already there)`);

const lake = await openLake(lakeDir, { threads: 0 });
console.log(await lake.stats());
console.log(await lake.head(3, { columns: ['timestamp', 'city', 'road_class', 'current_speed_kmh'] }));
await lake.close();

// Training runs where the data is read: in a task on a worker.
const train = cluster.task<typeof import('./collect-and-train-task.ts').trainOnLake>(new URL('./collect-and-train-task.ts', import.meta.url), 'trainOnLake');
const result = await cluster.get(train.remote(lakeDir, Date.UTC(2026, 2, 8)));
console.log(`trained on ${result.rows} rows for ${result.epochs} epochs with ${result.backend}: validation MAE ${result.validMae.toFixed(2)} km/h`);
