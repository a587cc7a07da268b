/**
 * `npm start`: the whole traffic pipeline on an embedded local cluster (a head and two workers on this
 * machine), with no setup: collect ~1M synthetic samples for 20 cities into ./data/lake, run a small grid
 * search, validate the best model against the baselines, register and promote it, and print a report.
 *
 *   npx tsx examples/pipeline.ts [--samples 1000000] [--data ./data]
 *
 * Point it at a running cluster with CONVOY_ADDRESS (and CONVOY_TOKEN) instead.
 */
import { connect } from '../cluster/client/index.ts';
import { runEndToEnd as runPipeline } from '../tasks/end-to-end/run-end-to-end.ts';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const samples = Number(arg('samples', '1000000').replace(/[_,]/g, ''));
const dataDir = arg('data', 'data');
const started = Date.now();
const secs = () => ((Date.now() - started) / 1000).toFixed(0).padStart(4);

console.log(`[${secs()}s] starting an embedded Convoy cluster (set CONVOY_ADDRESS to use a running one)`);
await using cluster = await connect();
const status = await cluster.status();
console.log(`[${secs()}s] cluster: ${status.nodes.length} workers, ${status.nodes.reduce((a, n) => a + (n.total.cpu ?? 0), 0)} CPUs, head ${cluster.address}`);
let lastProgress = 0;
const report = await runPipeline(cluster, {
  samples,
  dataDir,
  log: (line) => console.log(`[${secs()}s] ${line}`),
  onCollectProgress: (p) => {
    if (Date.now() - lastProgress < 2000 && p.samples < p.target) return;
    lastProgress = Date.now();
    console.log(`[${secs()}s]     ${p.samples.toLocaleString('en-US')} / ${p.target.toLocaleString('en-US')} samples, ${Math.round(p.rate).toLocaleString('en-US')}/s, shards ${p.shardsDone}/${p.shardsTotal}`);
  },
});

const n = (x: number, d = 2) => x.toFixed(d);
const o = report.validation.overall;
console.log(`
==== Convoy traffic pipeline: done in ${secs().trim()} s ====

Data      ${report.lake.rows.toLocaleString('en-US')} samples in ${report.lake.url}
          ${report.lake.partitions} partitions (date × city), ${report.lake.files} Parquet files, ${(report.lake.bytes / 1e6).toFixed(1)} MB
          collected at ${Math.round(report.lake.samplesPerSecond).toLocaleString('en-US')} samples/s (${report.lake.collectSeconds.toFixed(1)} s)

Trials    ${report.tune.trials} trials, ${report.tune.stopped} stopped early by ASHA, ${report.tune.seconds.toFixed(0)} s
${report.tune.table.replace(/^/gm, '          ')}

Best      ${report.tune.best.trialId}: ${JSON.stringify(report.tune.best.config.hidden)} hidden, learning rate ${report.tune.best.config.learningRate}, validation MAE ${n(report.tune.best.validMae)} km/h

Test day  MAE (km/h)   model ${n(o.model.mae)}   historical average ${n(o.historicalAverage.mae)}   last value ${n(o.lastValue.mae)}
          RMSE         model ${n(o.model.rmse)}   historical average ${n(o.historicalAverage.rmse)}   last value ${n(o.lastValue.rmse)}
          beats historical average: ${report.validation.beats.historicalAverage ? 'yes' : 'no'}, beats last value: ${report.validation.beats.lastValue ? 'yes' : 'no'}

Model     ${report.model.name} v${report.model.version}, promoted, in ${report.model.registry}
          sample predictions: ${report.predictions.map((p) => `${p.city} ${p.hour}h ${n(p.predictedKmh, 1)} km/h`).join('; ')}

Next      npx convoy lake stats --lake ${report.lake.url}
          npx convoy model ls --registry ${report.model.registry}
`);
