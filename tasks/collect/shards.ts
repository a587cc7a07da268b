/**
 * Splitting a collection into shards, as a pure function of the job's parameters.
 *
 * The target is spread exactly over cities × UTC days (so the lake's date/city partitions fill evenly) and
 * each city-day into time slices of at most `shardSamples` samples. Shard ids are derived from a fingerprint of
 * the parameters, so running the same command again names the same shards: committed ones are skipped
 * (restart without duplicates) and a shard that runs twice replaces its own rows (retries without duplicates).
 */
import { createHash } from 'node:crypto';

export interface ShardPlanInput {
  source: string;
  cities: readonly string[];
  /** Inclusive start, ms since the epoch (UTC). */
  fromMs: number;
  /** Exclusive end, ms since the epoch (UTC). */
  toMs: number;
  /** Total samples to collect. */
  target: number;
  seed: number;
  /** Samples per shard at most. */
  shardSamples: number;
}

export interface PlannedShard {
  /** `<source>-<fingerprint>-<city>-<YYYYMMDD>-<k>`: stable for the same parameters. */
  shardId: string;
  city: string;
  fromMs: number;
  toMs: number;
  samples: number;
}

const DAY_MS = 86_400_000;

export function jobFingerprint(p: ShardPlanInput): string {
  const key = JSON.stringify([p.source, [...p.cities].sort(), p.fromMs, p.toMs, p.target, p.seed, p.shardSamples]);
  return createHash('sha256').update(key).digest('hex').slice(0, 10);
}

export function planShards(p: ShardPlanInput): PlannedShard[] {
  if (!(p.target > 0) || !Number.isInteger(p.target)) throw new RangeError(`target must be a positive whole number, got ${p.target}`);
  if (!(p.shardSamples > 0)) throw new RangeError(`shardSamples must be positive, got ${p.shardSamples}`);
  if (p.cities.length === 0) throw new RangeError('give at least one city');
  if (!(p.toMs > p.fromMs)) throw new RangeError('the time range is empty: --to must be after --from');
  const fp = jobFingerprint(p);
  // UTC day windows clipped to [from, to): each window lands in exactly one date partition.
  const days: { from: number; to: number; label: string }[] = [];
  for (let d = Math.floor(p.fromMs / DAY_MS) * DAY_MS; d < p.toMs; d += DAY_MS) {
    const from = Math.max(d, p.fromMs);
    const to = Math.min(d + DAY_MS, p.toMs);
    if (to > from) days.push({ from, to, label: new Date(d).toISOString().slice(0, 10).replace(/-/g, '') });
  }
  const cells = p.cities.length * days.length;
  const base = Math.floor(p.target / cells);
  let extra = p.target - base * cells;
  const shards: PlannedShard[] = [];
  for (const city of p.cities) {
    for (const day of days) {
      const samples = base + (extra > 0 ? 1 : 0);
      if (extra > 0) extra--;
      if (samples === 0) continue;
      const k = Math.ceil(samples / p.shardSamples);
      const per = Math.floor(samples / k);
      let rest = samples - per * k;
      const span = (day.to - day.from) / k;
      for (let i = 0; i < k; i++) {
        const n = per + (rest > 0 ? 1 : 0);
        if (rest > 0) rest--;
        const from = Math.floor(day.from + i * span);
        const to = i === k - 1 ? day.to : Math.floor(day.from + (i + 1) * span);
        shards.push({ shardId: `${p.source}-${fp}-${city}-${day.label}-${i}`, city, fromMs: from, toMs: to, samples: n });
      }
    }
  }
  return shards;
}
