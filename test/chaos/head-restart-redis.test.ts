/** The head-restart chaos run with the control store on a real redis-server (started by the test). */
import { afterAll, beforeAll, describe } from 'vitest';
import { redisUnavailable, startRedis, type TestRedis } from '../helpers/redis.ts';
import { headRestartChaos } from './head-restart-scenario.ts';

const unavailable = redisUnavailable();
if (unavailable) console.warn(`head-restart chaos on Redis skipped: ${unavailable}`);
let redis: TestRedis | undefined;
beforeAll(async () => {
  if (!unavailable) redis = await startRedis();
});
afterAll(async () => redis?.stop());

describe.skipIf(Boolean(unavailable))('chaos: worker kills and a head restart (Redis store)', () => {
  headRestartChaos(() => `${redis!.url}?prefix=chaos`);
});
