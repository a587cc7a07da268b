import { describe, expect, it } from 'vitest';
import { trainModel } from '../../tasks/training/index.ts';
import { syntheticTraffic } from './helpers/synthetic-traffic.ts';

describe('streaming training over data larger than the memory budget', () => {
  it('completes a pass with bounded buffers, pulling input lazily', async () => {
    const budget = 1024 * 1024;
    const data = { days: 4, segmentsPerCity: 40, batchRows: 4096, seed: 2 };
    let inputBytes = 0;
    let inputRows = 0;
    let pulled = 0;
    let maxAhead = 0;
    const trainedRowsAtPull: number[] = [];
    const result = await trainModel({
      data: async function* () {
        for (const batch of syntheticTraffic(data)) {
          inputBytes += batch.data.children.reduce((s, c) => s + (c.values?.byteLength ?? 0), 0);
          inputRows += batch.numRows;
          pulled++;
          yield batch;
        }
      },
      batchSize: 1024,
      shuffleBufferRows: 1_000_000, // asks for more than the budget allows: shrunk to fit
      memoryBudgetBytes: budget,
      normalizerRows: 20_000,
      onProgress: (p) => {
        if (p.phase !== 'train') return;
        trainedRowsAtPull.push(p.rows);
        maxAhead = Math.max(maxAhead, pulled);
      },
      progressEveryMs: 0,
      backends: ['wasm'],
    });
    // the input handed to the trainer (one epoch, plus the normaliser's partial pass) exceeds the budget ×8
    expect(inputBytes).toBeGreaterThan(8 * budget);
    expect(result.peakBufferedBytes).toBeLessThanOrEqual(budget);
    const rowsPerEpoch = 4 * 288 * 120;
    expect(result.rowsSeen).toBe(rowsPerEpoch);
    expect(result.steps).toBe(Math.ceil(rowsPerEpoch / 1024));
    expect(inputRows).toBeGreaterThan(rowsPerEpoch);
    // training started long before the source was exhausted: the stream is consumed as it trains
    expect(trainedRowsAtPull.length).toBeGreaterThan(10);
    expect(trainedRowsAtPull[0]).toBeLessThan(rowsPerEpoch / 4);
    expect(maxAhead).toBeGreaterThan(0);
  });
});
