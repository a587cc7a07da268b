/**
 * The synthetic source: record batches of plausible traffic for one shard.
 *
 * Samples are laid out the way a real poller collects them: every step of a regular time grid reads a
 * block of segments (rotating through the network when a step reads fewer than all of them), each segment at
 * its own fixed phase within the step. Steps are at least hourly whenever the sample budget allows, so a
 * shard covers every hour and day in its range. Each reading is a pure function of (seed, city, segment,
 * timestamp): see `hash.ts` for why.
 *
 *   speed = free-flow × (1 − congestion(demand, class, season)) × (1 − rain) × (1 − incident) × (1 + noise)
 */
import { type RecordBatch, Table } from 'apache-arrow';
import { encodeSegmentId, SampleBatchBuilder, sharedDictionaries } from '../../traffic/batch-builder.ts';
import { DAY_MS, HOUR_MS, utcOffsetsByHour } from '../../traffic/local-time.ts';
import type { RoadSegment } from '../../traffic/road-network.ts';
import { approxNormal, hashString, mix, mixTime } from './hash.ts';
import { syntheticNetwork } from './network.ts';
import {
  BIN_MS,
  BINS_PER_DAY,
  CLASS_PROBE_DENSITY,
  CLASS_SENSITIVITY,
  demandTable,
  incidentLoss,
  seasonalFactor,
  wetness,
} from './patterns.ts';
import { type CompiledShardSpec, compileShardSpec, type ShardSpec } from './shard-spec.ts';

export interface GenerateOptions {
  /**
   * Rows per record batch.
   * @default 65536
   */
  batchRows?: number;
}

/** Noise on the speed ratio, one standard deviation. */
const SPEED_NOISE = 0.05;
/** Congestion never exceeds this on its own: traffic crawls, it rarely stops without an incident. */
const MAX_DEMAND_CONGESTION = 0.9;

/** Per-segment arrays, built once per shard so the row loop touches only typed arrays. */
interface SegmentTable {
  count: number;
  ids: Uint8Array[];
  lat: Float64Array;
  lon: Float64Array;
  classIdx: Int32Array;
  freeFlow: Float64Array;
  sensitivity: Float64Array;
  probe: Float64Array;
  lengthM: Float64Array;
  phase: Float64Array;
  seed: Int32Array;
}

function segmentTable(spec: CompiledShardSpec, citySeed: number): SegmentTable {
  const segs: readonly RoadSegment[] = spec.segments ?? syntheticNetwork(spec.profile, spec.seed, spec.syntheticSegments).segments;
  const n = segs.length;
  const t: SegmentTable = {
    count: n,
    ids: new Array(n),
    lat: new Float64Array(n),
    lon: new Float64Array(n),
    classIdx: new Int32Array(n),
    freeFlow: new Float64Array(n),
    sensitivity: new Float64Array(n),
    probe: new Float64Array(n),
    lengthM: new Float64Array(n),
    phase: new Float64Array(n),
    seed: new Int32Array(n),
  };
  const ff = spec.profile.freeFlowKmh;
  for (let i = 0; i < n; i++) {
    const s = segs[i]!;
    const h = mix(citySeed, hashString(s.id));
    t.ids[i] = encodeSegmentId(s.id);
    t.lat[i] = s.lat;
    t.lon[i] = s.lon;
    t.classIdx[i] = sharedDictionaries.roadClass.indexOf(s.roadClass);
    // A tagged limit says what the road allows; the city profile says how fast people drive there.
    const typical = ff[s.roadClass];
    const base = s.maxspeedSource === 'tag' ? Math.min(s.maxspeedKmh, 0.5 * (s.maxspeedKmh + typical)) : typical;
    t.freeFlow[i] = base * (0.92 + 0.16 * ((mix(h, 11) >>> 0) / 4294967296));
    // Some roads are bottlenecks, some never jam: spread sensitivity ±40 % around the class value.
    t.sensitivity[i] = CLASS_SENSITIVITY[s.roadClass] * (0.6 + 0.8 * ((mix(h, 12) >>> 0) / 4294967296));
    t.probe[i] = CLASS_PROBE_DENSITY[s.roadClass];
    t.lengthM[i] = s.lengthM > 0 ? s.lengthM : 100;
    t.phase[i] = (mix(h, 13) >>> 0) / 4294967296;
    t.seed[i] = h;
  }
  return t;
}

/** Row count per grid step and number of steps, for `samples` readings of `segments` over `spanMs`. */
export function timeGrid(samples: number, segments: number, spanMs: number): { perStep: number; steps: number; stepMs: number } {
  const hours = Math.max(1, Math.floor(spanMs / HOUR_MS));
  let steps = Math.max(Math.ceil(samples / segments), Math.min(samples, hours));
  const perStep = Math.ceil(samples / steps);
  steps = Math.ceil(samples / perStep);
  return { perStep, steps, stepMs: spanMs / steps };
}

/**
 * Generates the shard's samples as record batches in `sampleSchema`. Deterministic for the spec; yields
 * exactly `spec.samples` rows, ordered by time step, then by segment.
 */
export function* generateShard(spec: ShardSpec, options: GenerateOptions = {}): Generator<RecordBatch, void, undefined> {
  const batchRows = options.batchRows ?? 65_536;
  if (!Number.isInteger(batchRows) || batchRows <= 0) throw new RangeError(`batchRows must be a positive integer, got ${batchRows}`);
  const c = compileShardSpec(spec);
  const p = c.profile;
  const citySeed = mix(c.seed, hashString(p.key));
  const seg = segmentTable(c, citySeed);

  const span = c.toMs - c.fromMs;
  const grid = timeGrid(c.samples, seg.count, span);
  const firstHourMs = Math.floor(c.fromMs / HOUR_MS) * HOUR_MS;
  const firstHourIndex = firstHourMs / HOUR_MS;

  // Per-UTC-hour tables: offset to local time, wetness, season.
  const offsets = utcOffsetsByHour(p.timeZone, c.fromMs, c.toMs);
  const hours = offsets.length;
  const wet = new Float64Array(hours);
  const season = new Float64Array(hours);
  const weatherSeed = mix(citySeed, 0x7ea7);
  for (let k = 0; k < hours; k++) {
    wet[k] = wetness(weatherSeed, p.weather.wetFraction, firstHourIndex + k) * p.weather.slowdown;
    season[k] = seasonalFactor(p, firstHourMs + k * HOUR_MS + offsets[k]!);
  }
  const demand = demandTable(p);
  const level = p.congestionLevel;
  const incidents = p.incidents;
  const cityIdx = sharedDictionaries.city.indexOf(p.key);
  const sourceIdx = sharedDictionaries.source.indexOf('synthetic');

  const b = new SampleBatchBuilder(Math.min(batchRows, c.samples));
  let remaining = c.samples;
  for (let step = 0; step < grid.steps && remaining > 0; step++) {
    const rows = Math.min(grid.perStep, remaining);
    const stepStart = c.fromMs + step * grid.stepMs;
    const first = (step * grid.perStep) % seg.count;
    for (let j = 0; j < rows; j++) {
      let s = first + j;
      if (s >= seg.count) s %= seg.count;
      let ts = Math.floor(stepStart + seg.phase[s]! * grid.stepMs);
      if (ts >= c.toMs) ts = c.toMs - 1;
      const hIdx = Math.floor((ts - firstHourMs) / HOUR_MS);
      const local = ts + offsets[hIdx]!;
      const dayIdx = Math.floor(local / DAY_MS);
      const msInDay = local - dayIdx * DAY_MS;
      const hour = Math.floor(msInDay / HOUR_MS);
      const dow = ((dayIdx + 3) % 7 + 7) % 7 + 1;
      const d = demand[(dow - 1) * BINS_PER_DAY + Math.floor(msInDay / BIN_MS)]!;

      let cong = level * d * seg.sensitivity[s]! * season[hIdx]!;
      if (cong > MAX_DEMAND_CONGESTION) cong = MAX_DEMAND_CONGESTION;
      const segSeed = seg.seed[s]!;
      const noiseHash = mixTime(segSeed, ts);
      let ratio = (1 - cong) * (1 - wet[hIdx]!) * (1 - incidentLoss(segSeed, ts, incidents)) * (1 + SPEED_NOISE * approxNormal(noiseHash));
      if (ratio < 0.03) ratio = 0.03;
      else if (ratio > 1.12) ratio = 1.12;

      const ff = seg.freeFlow[s]!;
      const cur = ff * ratio;
      const congestion = ratio >= 1 ? 0 : 1 - ratio;
      let activity = 0.25 + d;
      if (activity > 1) activity = 1;
      let conf = 0.45 + 0.5 * activity * seg.probe[s]! + 0.03 * approxNormal(mix(noiseHash, 7));
      if (conf > 1) conf = 1;
      else if (conf < 0.05) conf = 0.05;
      const len = seg.lengthM[s]!;

      b.appendRow(ts, cityIdx, seg.ids[s]!, seg.lat[s]!, seg.lon[s]!, seg.classIdx[s]!, hour, dow, ff, cur, congestion, conf, (len * 3.6) / ff, (len * 3.6) / cur, sourceIdx);
      if (b.full) yield b.finish();
    }
    remaining -= rows;
  }
  if (b.length > 0) yield b.finish();
}

/** All of a shard's samples as one Table (convenience for tests and small shards). */
export function generateShardTable(spec: ShardSpec, options: GenerateOptions = {}): Table {
  return new Table([...generateShard(spec, options)]);
}

/** The same shard as an async iterable, for consumers that take `AsyncIterable<RecordBatch>`. */
export async function* generateShardAsync(spec: ShardSpec, options: GenerateOptions = {}): AsyncGenerator<RecordBatch, void, undefined> {
  yield* generateShard(spec, options);
}
