import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../cluster/common/index.ts';
import { SearchSpaceError, choice, countTrials, expandSpace, grid, loguniform, randint, uniform } from '../../scheduler/tune/index.ts';

describe('search space expansion', () => {
  it('turns a 2×3 grid into 6 trials with every combination once, last key fastest', () => {
    const configs = expandSpace({ lr: grid([1e-3, 1e-2]), hidden: grid([[32], [64, 64], [128]]), epochs: 3 });
    expect(configs).toEqual([
      { lr: 1e-3, hidden: [32], epochs: 3 },
      { lr: 1e-3, hidden: [64, 64], epochs: 3 },
      { lr: 1e-3, hidden: [128], epochs: 3 },
      { lr: 1e-2, hidden: [32], epochs: 3 },
      { lr: 1e-2, hidden: [64, 64], epochs: 3 },
      { lr: 1e-2, hidden: [128], epochs: 3 },
    ]);
    expect(countTrials({ lr: grid([1e-3, 1e-2]), hidden: grid([1, 2, 3]) })).toBe(6);
    // constants are copied, not shared between trials
    expect(configs[0]!.hidden).not.toBe(configs[3]!.hidden);
  });

  it('searches nested objects and repeats the grid numSamples times with fresh random draws', () => {
    const configs = expandSpace(
      { model: { hidden: grid([16, 32]) }, lr: loguniform(1e-4, 1e-1), batch: choice([256, 512]), drop: uniform(0, 0.5), k: randint(1, 4) },
      { numSamples: 3, random: mulberry32(1) },
    );
    expect(configs).toHaveLength(6);
    expect(configs.map((c) => (c.model as { hidden: number }).hidden)).toEqual([16, 32, 16, 32, 16, 32]);
    for (const c of configs) {
      expect(c.lr as number).toBeGreaterThanOrEqual(1e-4);
      expect(c.lr as number).toBeLessThan(1e-1);
      expect([256, 512]).toContain(c.batch);
      expect(c.drop as number).toBeGreaterThanOrEqual(0);
      expect(c.drop as number).toBeLessThan(0.5);
      expect([1, 2, 3]).toContain(c.k);
    }
    expect(new Set(configs.map((c) => c.lr)).size).toBe(6);
    // the same seed gives the same search
    expect(expandSpace({ lr: loguniform(1e-4, 1e-1) }, { numSamples: 4, random: mulberry32(9) })).toEqual(
      expandSpace({ lr: loguniform(1e-4, 1e-1) }, { numSamples: 4, random: mulberry32(9) }),
    );
  });

  it('rejects malformed entries by path', () => {
    expect(() => expandSpace({ model: { hidden: grid([]) } })).toThrow(/"model\.hidden" is an empty grid/);
    expect(() => expandSpace({ lr: loguniform(0, 1) }, { random: Math.random })).toThrow(SearchSpaceError);
    expect(() => expandSpace({ lr: uniform(2, 1) }, { random: Math.random })).toThrow(/low < high/);
    expect(() => expandSpace({ lr: uniform(0, 1) })).toThrow(/pass a seeded random/);
  });
});
