import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLake } from '../../tasks/lake/index.ts';
import { TrafficTrainable, type TrafficTrialConfig } from '../../tasks/training/index.ts';
import { syntheticTraffic } from './helpers/synthetic-traffic.ts';

// tune reuses a finished trial's actor for the next trial (Ray's reuse_actors) and calls setup() again, so a
// trainable must start each trial from nothing. The traffic trainable once kept its epoch count across setup():
// a reused actor trained its next trial's first step for as many epochs as the previous trial had run.
const DAY = 86_400_000;
const start = Date.UTC(2024, 0, 1);
let folder: string;
let config: TrafficTrialConfig;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'convoy-trainable-'));
  const lake = await openLake(join(folder, 'lake'), { threads: 0 });
  let shard = 0;
  for (const batch of syntheticTraffic({ start, days: 3, segmentsPerCity: 4, seed: 3 })) await lake.writeShard(`s-${shard++}`, batch);
  await lake.close();
  config = { lake: join(folder, 'lake'), trainTo: start + 2 * DAY, validFrom: start + 2 * DAY, validTo: start + 3 * DAY, hidden: [16], batchSize: 512 };
});
afterAll(() => rm(folder, { recursive: true, force: true }));

const context = (trialId: string) => ({ trialId, runName: 'reuse', checkpointPrefix: join(folder, 'tune', trialId) });

describe('TrafficTrainable reused for another trial', () => {
  it('starts the next trial from its first epoch, as a fresh actor does', async () => {
    const reused = new TrafficTrainable();
    await reused.setup({ ...config, learningRate: 1e-3 }, context('trial_a'));
    await reused.step();
    await reused.step();
    await reused.setup({ ...config, learningRate: 3e-3 }, context('trial_b'));
    const second = await reused.step();

    const fresh = new TrafficTrainable();
    await fresh.setup({ ...config, learningRate: 3e-3 }, context('trial_c'));
    const first = await fresh.step();

    expect(second.epoch).toBe(1);
    expect(second.steps).toBe(first.steps);
    expect(second.rows).toBe(first.rows);
    expect(second.validMae).toBeCloseTo(first.validMae as number, 6);
  });
});
