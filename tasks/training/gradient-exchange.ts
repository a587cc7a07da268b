/**
 * What a trainer needs from data-parallel peers: a {@link GradientExchange} that averages a vector over all
 * ranks (the cluster's CollectiveGroup is one: `group.allreduceMean`), and the moves between a model's
 * gradient tensors and the one flat vector that travels. See distributed/ for the trainer that forms the
 * ranks across processes and nodes.
 */
import type * as tfTypes from '@tensorflow/tfjs';

export interface GradientExchange {
  readonly rank: number;
  readonly size: number;
  /** Element-wise mean over all ranks. Every rank must call it with vectors of the same length, in step. */
  allreduceMean(values: Float32Array): Promise<Float32Array>;
  close?(): void;
}

/** A single trainer: the mean of one vector is itself. */
export const soloExchange: GradientExchange = {
  rank: 0,
  size: 1,
  allreduceMean: async (values) => values,
};

/**
 * Runs one data-parallel step (gradients, exchange, update) in a single tf scope, so the step's intermediate
 * tensors are freed after the update, as a non-distributed step frees them, and not before it. Freeing the
 * large activations first let the update's small tensors settle into their memory, and the next step's
 * activations then landed elsewhere in the wasm heap: with two ranks on two cores that made gradient
 * computation 25–45% slower (data-parallel 1.4–1.6× instead of 1.8–2.0×). The scope stays open across the
 * exchange, so nothing else may run tf ops on this thread meanwhile (a rank's thread only trains).
 */
export async function inStepScope<T>(tf: typeof tfTypes, step: () => Promise<T>): Promise<T> {
  tf.engine().startScope();
  try {
    return await step();
  } finally {
    tf.engine().endScope();
  }
}

/**
 * Concatenates gradients in `names` order into one vector (the allreduce payload). Read asynchronously: the
 * GPU backend has no synchronous readback in Node.
 */
export async function flattenGrads(grads: ReadonlyMap<string, tfTypes.Tensor>, names: readonly string[]): Promise<Float32Array> {
  const parts = (await Promise.all(names.map((name) => grads.get(name)!.data()))) as Float32Array[];
  let total = 0;
  for (const p of parts) total += p.length;
  const flat = new Float32Array(total);
  let offset = 0;
  for (const p of parts) {
    flat.set(p, offset);
    offset += p.length;
  }
  return flat;
}

/** Splits a flat vector back into tensors shaped like `like`, in `names` order. */
export function unflattenGrads(
  tf: typeof tfTypes,
  flat: Float32Array,
  like: ReadonlyMap<string, { shape: number[] }>,
  names: readonly string[],
): Map<string, tfTypes.Tensor> {
  const out = new Map<string, tfTypes.Tensor>();
  let offset = 0;
  for (const name of names) {
    const shape = like.get(name)!.shape;
    const size = shape.reduce((a, b) => a * b, 1);
    out.set(name, tf.tensor(flat.subarray(offset, offset + size), shape, 'float32'));
    offset += size;
  }
  return out;
}

/**
 * Parameter names cut into buckets of at most `bucketBytes` of float32 gradients (a parameter larger than that
 * is a bucket of its own), last parameters first, as DDP buckets them: backward produces the last layers'
 * gradients first, so their bucket can travel while the rest are still being read.
 */
export function gradientBuckets(sizes: ReadonlyMap<string, number>, names: readonly string[], bucketBytes: number): string[][] {
  const buckets: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const name of [...names].reverse()) {
    const b = sizes.get(name)! * 4;
    if (current.length && bytes + b > bucketBytes) {
      buckets.push(current);
      current = [];
      bytes = 0;
    }
    current.push(name);
    bytes += b;
  }
  if (current.length) buckets.push(current);
  return buckets;
}

/**
 * Averages gradients over the ranks bucket by bucket: bucket k's allreduce is under way while bucket k+1 is
 * read from the backend (a GPU readback is asynchronous), and the operations queue in the group in the same
 * order on every rank. `extra` (a few numbers: a had-data flag, the loss) rides at the end of the last bucket.
 * Returns the mean gradient of each parameter and the mean of `extra`.
 */
export async function allreduceBuckets(
  exchange: GradientExchange,
  grads: ReadonlyMap<string, tfTypes.Tensor> | undefined,
  sizes: ReadonlyMap<string, number>,
  buckets: readonly string[][],
  extra: readonly number[],
): Promise<{ grads: Map<string, Float32Array>; extra: Float32Array }> {
  const pending: Promise<Float32Array>[] = [];
  for (const [k, bucket] of buckets.entries()) {
    const last = k === buckets.length - 1;
    let length = last ? extra.length : 0;
    for (const name of bucket) length += sizes.get(name)!;
    const payload = new Float32Array(length);
    let offset = 0;
    for (const name of bucket) {
      if (grads) payload.set((await grads.get(name)!.data()) as Float32Array, offset);
      offset += sizes.get(name)!;
    }
    if (last) payload.set(extra, offset);
    pending.push(exchange.allreduceMean(payload));
  }
  const reduced = await Promise.all(pending);
  const out = new Map<string, Float32Array>();
  let tail: Float32Array = new Float32Array(0);
  for (const [k, bucket] of buckets.entries()) {
    let offset = 0;
    for (const name of bucket) {
      const n = sizes.get(name)!;
      out.set(name, reduced[k]!.subarray(offset, offset + n));
      offset += n;
    }
    if (k === buckets.length - 1) tail = reduced[k]!.subarray(offset);
  }
  return { grads: out, extra: tail };
}
