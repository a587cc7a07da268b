/**
 * The training input pipeline alone: a lake read, encoded into MLP features and shuffled into batches, as the
 * trainer does each epoch, with no model. Prints one JSON line: rows and seconds per pass (the first pass warms
 * up), and a checksum of the first pass's batches so two versions can be checked for producing the same batches.
 *
 *   npm start                                   # once, for ./data/lake (1M samples)
 *   npx tsx bench/probes/train-input.ts [--lake data/lake] [--passes 4]
 *
 * It is the CPU side a GPU trainer waits on (the lake is read on the trainer's own thread).
 */
import { openLake } from '../../tasks/lake/index.ts';
import { encodeStream } from '../../tasks/training/evaluation/evaluate.ts';
import { pipelineFor } from '../../tasks/training/input/feature-pipeline.ts';
import { shuffledBatches } from '../../tasks/training/input/row-stream.ts';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const lake = await openLake(arg('lake', 'data/lake'), { threads: 0 });
const pipeline = pipelineFor({ kind: 'mlp', history: 0, inputSize: 16, hidden: [64, 64], outputSize: 1 }, 'speed');
let checksum = 0;
let rows = 0;
const seconds: number[] = [];
for (let pass = 0; pass < Number(arg('passes', '4')); pass++) {
  const t0 = performance.now();
  rows = 0;
  const batches = shuffledBatches(encodeStream(lake.scan(), pipeline.encoder()), { inputWidth: 16, targetWidth: 1, batchSize: 16_384, bufferRows: 65_536, seed: 7 });
  for await (const b of batches) {
    rows += b.count;
    if (pass === 0) for (let i = 0; i < b.x.length; i += 97) checksum += b.x[i]! + b.y[i % b.count]!;
  }
  seconds.push(Number(((performance.now() - t0) / 1000).toFixed(3)));
}
await lake.close();
const steady = seconds.slice(1).sort((a, b) => a - b)[Math.floor((seconds.length - 1) / 2)] ?? seconds[0]!;
console.log(JSON.stringify({ rows, seconds, rows_per_s: Math.round(rows / steady), checksum: Number(checksum.toFixed(3)) }));
process.exit(0);
