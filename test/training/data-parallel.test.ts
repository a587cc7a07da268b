/**
 * trainModel with a gradient exchange: ranks (here in one process, joined by a collective group over loopback
 * TCP) with different shards stay identical and stop together. The cross-process trainer is tested in
 * data-parallel-trainer.test.ts, the collectives themselves in test/cluster/collective.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { trainModel } from '../../tasks/training/index.ts';
import { localGroups } from '../helpers/collective.ts';
import { syntheticTrafficAsync } from './helpers/synthetic-traffic.ts';

describe('data-parallel training', () => {
  it('keeps two ranks with different shards identical, and stops together when one shard runs out', async () => {
    const [a, b] = await localGroups(2);
    // rank 1 sees half the segments of rank 0: its shard ends first, rank 0 continues alone
    const shard = (segmentsPerCity: number, seed: number) => () => syntheticTrafficAsync({ days: 1, segmentsPerCity, seed });
    const common = { batchSize: 256, epochs: 2, shuffleBufferRows: 1024, backends: ['wasm' as const] };
    const [r0, r1] = await Promise.all([
      trainModel({ ...common, data: shard(8, 1), exchange: a }),
      trainModel({ ...common, data: shard(4, 2), exchange: b }),
    ]);
    expect(r0.steps).toBe(r1.steps);
    expect(r0.steps).toBe(2 * Math.ceil((288 * 24) / 256));
    expect(r1.rowsSeen).toBe(2 * 288 * 12);
    expect(r0.artifacts.normalizer).toEqual(r1.artifacts.normalizer);
    for (const [name, w] of r0.artifacts.weights) expect(Array.from(r1.artifacts.weights.get(name)!.data)).toEqual(Array.from(w.data));
    expect(r0.history.at(-1)!.trainLoss).toBeLessThan(r0.history[0]!.trainLoss);
    a!.close();
    b!.close();
  });
});

describe('gradient buckets', () => {
  it('cuts parameters last-first into buckets under the cap, a large one alone', async () => {
    const { gradientBuckets } = await import('../../tasks/training/gradient-exchange.ts');
    const sizes = new Map([['w1', 1000], ['b1', 10], ['w2', 5000], ['b2', 10], ['w3', 100]]);
    const names = [...sizes.keys()];
    expect(gradientBuckets(sizes, names, 1 << 30)).toEqual([['w3', 'b2', 'w2', 'b1', 'w1']]);
    // 4 bytes per value: a 4,500-byte cap holds w3+b2 (440 B), then w2 (20,000 B) alone, then b1+w1 (4,040 B).
    expect(gradientBuckets(sizes, names, 4500)).toEqual([['w3', 'b2'], ['w2'], ['b1', 'w1']]);
  });

  it('training in many small buckets ends with the same weights as in one', async () => {
    const run = async (bucketBytes: number) => {
      const [a, b] = await localGroups(2, {}, `buckets-${bucketBytes}`);
      const common = { batchSize: 256, epochs: 1, shuffleBufferRows: 0, backends: ['wasm' as const], bucketBytes, model: { kind: 'mlp' as const, hidden: [32, 16] } };
      const [r0] = await Promise.all([
        trainModel({ ...common, data: () => syntheticTrafficAsync({ days: 1, segmentsPerCity: 2, seed: 1 }), exchange: a }),
        trainModel({ ...common, data: () => syntheticTrafficAsync({ days: 1, segmentsPerCity: 2, seed: 2 }), exchange: b }),
      ]);
      a!.close();
      b!.close();
      return r0.artifacts.weights;
    };
    const one = await run(1 << 30);
    const many = await run(256); // every parameter a bucket of its own
    for (const [name, w] of one) expect(Array.from(many.get(name)!.data)).toEqual(Array.from(w.data));
  }, 60_000);
});
