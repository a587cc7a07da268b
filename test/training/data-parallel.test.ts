import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { RingAllreduce, chunkBounds, messagePortLink, trainModel } from '../../tasks/training/index.ts';
import { syntheticTrafficAsync } from './helpers/synthetic-traffic.ts';

/** A ring of `size` ranks joined by MessageChannels (each rank talks to its neighbours). */
function ring(size: number): RingAllreduce[] {
  const ports = Array.from({ length: size }, () => new Map());
  for (let r = 0; r < size; r++) {
    const next = (r + 1) % size;
    if (ports[r]!.has(next)) continue;
    const { port1, port2 } = new MessageChannel();
    ports[r]!.set(next, port1);
    ports[next]!.set(r, port2);
  }
  return ports.map((p, r) => new RingAllreduce(r, size, messagePortLink(r, p)));
}

describe('ring allreduce', () => {
  it.each([1, 2, 3, 4])('averages exactly and identically on %i ranks', async (size) => {
    const ranks = ring(size);
    const length = 1003; // not divisible by the ring size
    const inputs = ranks.map((_, r) => Float32Array.from({ length }, (_, i) => Math.sin(i * (r + 1)) * 10 + r));
    const outputs = await Promise.all(ranks.map((rank, r) => rank.allreduceMean(inputs[r]!)));
    for (let i = 0; i < length; i++) {
      const mean = inputs.reduce((s, x) => s + x[i]!, 0) / size;
      expect(outputs[0]![i]).toBeCloseTo(mean, 4);
    }
    for (const out of outputs.slice(1)) expect(Array.from(out)).toEqual(Array.from(outputs[0]!));
    // the caller's vector is not modified
    expect(inputs[0]![5]).toBe(Math.fround(Math.sin(5) * 10));
    ranks.forEach((r) => r.close());
  });

  it('splits a vector into chunks that cover it exactly', () => {
    expect(chunkBounds(10, 3)).toEqual([0, 3, 7, 10]);
    expect(chunkBounds(2, 4)).toEqual([0, 1, 1, 2, 2]);
  });
});

describe('data-parallel training', () => {
  it('keeps two ranks with different shards identical, and stops together when one shard runs out', async () => {
    const [a, b] = ring(2);
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
