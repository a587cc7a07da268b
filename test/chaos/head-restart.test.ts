import { describe } from 'vitest';
import { headRestartChaos } from './head-restart-scenario.ts';

describe('chaos: worker kills and a head restart (SQLite store)', () => {
  headRestartChaos(() => undefined);
});
