/**
 * Turns a stream of encoded rows into fixed-size, shuffled training batches with bounded memory.
 *
 * The lake yields rows grouped by day and city and ordered in time; gradient descent on that order would chase
 * one city's morning after another. A shuffle buffer (as in tf.data's `shuffle(bufferSize)`) decorrelates rows
 * within a window of `bufferRows`: each incoming row replaces a uniformly chosen buffered row, which goes out.
 * The generator is seeded per epoch, so a pass over the same data yields the same batches in the same order —
 * which is what makes resuming mid-epoch exact: the resumed run replays the stream and skips the batches the
 * checkpoint had already trained on.
 */
import { mulberry32 } from '../../../cluster/common/index.ts';
import type { EncodedBatch } from './encoded-batch.ts';

export interface RowBatch {
  x: Float32Array;
  y: Float32Array;
  count: number;
}

export interface RowStreamOptions {
  inputWidth: number;
  targetWidth: number;
  batchSize: number;
  /** Rows held for shuffling; 0 keeps the input order. */
  bufferRows: number;
  seed: number;
  /** Called with the bytes this stream holds whenever that grows, for memory accounting. */
  onBuffered?: (bytes: number) => void;
}

/** Bytes a row stream with these options holds at most (shuffle buffer plus the batch being filled). */
export function rowStreamBytes(o: Pick<RowStreamOptions, 'inputWidth' | 'targetWidth' | 'batchSize' | 'bufferRows'>): number {
  return (o.bufferRows + o.batchSize) * (o.inputWidth + o.targetWidth) * 4;
}

/**
 * Copies `len` floats. Rows here are 17–30 floats: a plain loop beats `set(subarray(…))`, which allocates a view
 * per call (four per row, the stream's main cost before).
 */
function copyRow(src: Float32Array, from: number, dst: Float32Array, to: number, len: number): void {
  for (let k = 0; k < len; k++) dst[to + k] = src[from + k]!;
}

export async function* shuffledBatches(
  encoded: AsyncIterable<EncodedBatch>,
  o: RowStreamOptions,
): AsyncGenerator<RowBatch> {
  const { inputWidth: w, targetWidth: tw, batchSize, bufferRows } = o;
  const random = mulberry32(o.seed);
  const bufX = new Float32Array(bufferRows * w);
  const bufY = new Float32Array(bufferRows * tw);
  let buffered = 0;
  let outX = new Float32Array(batchSize * w);
  let outY = new Float32Array(batchSize * tw);
  let filled = 0;
  o.onBuffered?.(rowStreamBytes(o));

  const emitRow = (x: Float32Array, xo: number, y: Float32Array, yo: number): RowBatch | undefined => {
    copyRow(x, xo, outX, filled * w, w);
    copyRow(y, yo, outY, filled * tw, tw);
    filled++;
    if (filled < batchSize) return undefined;
    const batch = { x: outX, y: outY, count: filled };
    // A fresh output array per batch: the consumer may still hold the previous one (e.g. inside a tensor).
    outX = new Float32Array(batchSize * w);
    outY = new Float32Array(batchSize * tw);
    filled = 0;
    return batch;
  };

  for await (const e of encoded) {
    for (let r = 0; r < e.count; r++) {
      let ready: RowBatch | undefined;
      if (buffered < bufferRows) {
        copyRow(e.x, r * w, bufX, buffered * w, w);
        copyRow(e.y, r * tw, bufY, buffered * tw, tw);
        buffered++;
      } else if (bufferRows === 0) {
        ready = emitRow(e.x, r * w, e.y, r * tw);
      } else {
        const j = Math.floor(random() * bufferRows);
        ready = emitRow(bufX, j * w, bufY, j * tw);
        copyRow(e.x, r * w, bufX, j * w, w);
        copyRow(e.y, r * tw, bufY, j * tw, tw);
      }
      if (ready) yield ready;
    }
  }
  // Drain the buffer in random order (Fisher–Yates over the remaining rows).
  for (let i = buffered - 1; i >= 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const ready = emitRow(bufX, j * w, bufY, j * tw);
    if (j !== i) {
      bufX.copyWithin(j * w, i * w, (i + 1) * w);
      bufY.copyWithin(j * tw, i * tw, (i + 1) * tw);
    }
    if (ready) yield ready;
  }
  if (filled > 0) yield { x: outX.subarray(0, filled * w), y: outY.subarray(0, filled * tw), count: filled };
}
