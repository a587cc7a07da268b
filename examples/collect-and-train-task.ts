// The training task of examples/collect-and-train.ts: streams the lake, trains, reports validation error.
import { openLake, trainModel } from '../tasks/index.ts';

export async function trainOnLake(lakeDir: string, splitAt: number): Promise<{ rows: number; epochs: number; backend: string; validMae: number }> {
  const lake = await openLake(lakeDir, { threads: 0 });
  try {
    const r = await trainModel({
      data: () => lake.scan(),
      trainRange: { to: splitAt },
      validRange: { from: splitAt },
      epochs: 2,
      model: { kind: 'mlp', inputSize: 16, hidden: [64, 64], outputSize: 1 },
    });
    return { rows: r.rowsSeen, epochs: r.epochsCompleted, backend: r.backend, validMae: r.history.at(-1)?.validMae ?? Number.NaN };
  } finally {
    await lake.close();
  }
}
