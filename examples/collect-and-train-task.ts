// The training task of examples/collect-and-train.ts and examples/train-on-gpu.ts: streams the lake, trains,
// reports validation error, the backend that did the math and how fast it went.
import { openLake, trainModel } from '../tasks/index.ts';

export interface TrainOnLakeResult {
  rows: number;
  epochs: number;
  backend: string;
  validMae: number;
  seconds: number;
  /** Training rows per second over the whole run (reading and encoding the lake included). */
  rowsPerSecond: number;
}

export async function trainOnLake(lakeDir: string, splitAt: number, o: { batchSize?: number; epochs?: number } = {}): Promise<TrainOnLakeResult> {
  const lake = await openLake(lakeDir, { threads: 0 });
  try {
    const t0 = performance.now();
    const r = await trainModel({
      data: () => lake.scan(),
      trainRange: { to: splitAt },
      validRange: { from: splitAt },
      epochs: o.epochs ?? 2,
      batchSize: o.batchSize,
      model: { kind: 'mlp', inputSize: 16, hidden: [64, 64], outputSize: 1 },
    });
    const seconds = (performance.now() - t0) / 1000;
    return {
      rows: r.rowsSeen,
      epochs: r.epochsCompleted,
      backend: r.backend,
      validMae: r.history.at(-1)?.validMae ?? Number.NaN,
      seconds,
      rowsPerSecond: r.rowsSeen / seconds,
    };
  } finally {
    await lake.close();
  }
}
