import { describe, expect, it } from 'vitest';
import { TrainingOptionsError, trainModel } from '../../tasks/training/index.ts';
import { syntheticTrafficAsync } from './helpers/synthetic-traffic.ts';

const data = () => syntheticTrafficAsync({ days: 1, segmentsPerCity: 1, seed: 1 });

describe('trainModel options', () => {
  it('names each bad option and refuses before reading any data', async () => {
    let pulled = 0;
    const counting = async function* () {
      pulled++;
      yield* data();
    };
    const err = await trainModel({ data: counting, batchSize: -1, learningRate: 0, trainRange: { from: 5, to: 1 }, backends: ['wasm'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingOptionsError);
    const message = (err as Error).message;
    expect(message).toMatch(/batchSize/);
    expect(message).toMatch(/learningRate/);
    expect(message).toMatch(/trainRange.*from must be before to/);
    await expect(trainModel({ data: counting, model: { kind: 'mlp', hidden: [] }, backends: ['wasm'] })).rejects.toThrow(/model\.hidden/);
    await expect(trainModel({ data: counting, memoryBudgetBytes: 1000, backends: ['wasm'] })).rejects.toThrow(/memoryBudgetBytes: 1000 cannot hold one batch/);
    expect(pulled).toBe(0);
  });
});
