import { describe, expect, it } from 'vitest';
import { jobFingerprint, planShards, type ShardPlanInput } from '../../tasks/collect/index.ts';

const base: ShardPlanInput = {
  source: 'synthetic',
  cities: ['berlin', 'paris', 'tokyo'],
  fromMs: Date.UTC(2026, 0, 5),
  toMs: Date.UTC(2026, 0, 9),
  target: 1_000_003,
  seed: 1,
  shardSamples: 50_000,
};

describe('shard planning', () => {
  it('spreads exactly the target over cities and UTC days, with shards no larger than asked', () => {
    const shards = planShards(base);
    expect(shards.reduce((n, s) => n + s.samples, 0)).toBe(1_000_003);
    expect(Math.max(...shards.map((s) => s.samples))).toBeLessThanOrEqual(50_000);
    for (const city of base.cities) {
      const mine = shards.filter((s) => s.city === city);
      const n = mine.reduce((a, s) => a + s.samples, 0);
      expect(Math.abs(n - 1_000_003 / 3)).toBeLessThanOrEqual(4);
    }
    for (const s of shards) {
      expect(Math.floor(s.fromMs / 86_400_000)).toBe(Math.floor((s.toMs - 1) / 86_400_000)); // inside one day
      expect(s.toMs).toBeGreaterThan(s.fromMs);
    }
  });

  it('names the same shards for the same parameters, and different ones when they change', () => {
    const a = planShards(base).map((s) => s.shardId);
    expect(planShards({ ...base, cities: ['tokyo', 'berlin', 'paris'] }).map((s) => s.shardId).sort()).toEqual([...a].sort());
    expect(new Set(a).size).toBe(a.length);
    const b = planShards({ ...base, target: 2_000_000 }).map((s) => s.shardId);
    expect(b.some((id) => a.includes(id))).toBe(false);
    expect(jobFingerprint(base)).not.toBe(jobFingerprint({ ...base, seed: 2 }));
  });

  it('gives shards of one city-day disjoint time slices that cover the day', () => {
    const shards = planShards({ ...base, cities: ['berlin'], toMs: base.fromMs + 86_400_000, target: 200_000 });
    expect(shards).toHaveLength(4);
    for (let i = 1; i < shards.length; i++) expect(shards[i]!.fromMs).toBe(shards[i - 1]!.toMs);
    expect(shards[0]!.fromMs).toBe(base.fromMs);
    expect(shards.at(-1)!.toMs).toBe(base.fromMs + 86_400_000);
  });

  it('clips the first and last day to the range and rejects empty or nonsensical input', () => {
    const shards = planShards({ ...base, fromMs: Date.UTC(2026, 0, 5, 12), toMs: Date.UTC(2026, 0, 6, 6), target: 10, cities: ['berlin'] });
    expect(shards.map((s) => [s.fromMs, s.toMs])).toEqual([
      [Date.UTC(2026, 0, 5, 12), Date.UTC(2026, 0, 6)],
      [Date.UTC(2026, 0, 6), Date.UTC(2026, 0, 6, 6)],
    ]);
    expect(() => planShards({ ...base, target: 0 })).toThrow(/target/);
    expect(() => planShards({ ...base, cities: [] })).toThrow(/city/);
    expect(() => planShards({ ...base, toMs: base.fromMs })).toThrow(/empty/);
  });
});
