/**
 * Canonical-schema batches for lake tests and bench/lake.ts, filled straight into typed arrays (fast enough
 * for 10M rows) and deterministic for a seed. Not a traffic model: the synthetic source is tasks/sources/.
 */
import { makeData, makeVector, RecordBatch, Struct, Utf8, type Data, type Dictionary } from 'apache-arrow';
import { congestionOf, sampleSchema } from '../../tasks/traffic/schema.ts';

export const ROAD_CLASSES = ['motorway', 'trunk', 'primary', 'secondary', 'tertiary', 'residential'] as const;
const FREE_FLOW = [110, 90, 60, 50, 40, 30];

export interface SampleSpec {
  rows: number;
  /** Cities of the rows; row i gets `cities[cityOf(i)]`. @default ['berlin'] */
  cities?: readonly string[];
  /** @default one city per batch when a single city is given, else interleaved */
  cityOf?: (row: number) => number;
  /** Time of the first row, ms UTC. @default 2026-01-05T00:00:00Z (a Monday) */
  startMs?: number;
  /** Time between two readings of one segment. @default 300000 (5 min) */
  stepMs?: number;
  /** Distinct road segments, read round-robin. @default 2000 */
  segments?: number;
  seed?: number;
  /** Every n-th row gets null travel times. @default 0 (none) */
  nullEvery?: number;
  source?: string;
}

export const DEFAULT_START_MS = Date.UTC(2026, 0, 5);

export function sampleBatch(spec: SampleSpec): RecordBatch {
  const rows = spec.rows;
  const cities = spec.cities ?? ['berlin'];
  const cityOf = spec.cityOf ?? (cities.length === 1 ? () => 0 : (i: number) => (i * 7 + (i >> 3)) % cities.length);
  const startMs = spec.startMs ?? DEFAULT_START_MS;
  const stepMs = spec.stepMs ?? 300_000;
  const segments = spec.segments ?? 2000;
  const nullEvery = spec.nullEvery ?? 0;
  let state = (spec.seed ?? 1) >>> 0 || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };

  const timestamp = new BigInt64Array(rows);
  const halves = new Int32Array(timestamp.buffer);
  const city = new Int32Array(rows);
  const segment = new Int32Array(rows);
  const lat = new Float64Array(rows);
  const lon = new Float64Array(rows);
  const roadClass = new Int32Array(rows);
  const hour = new Int8Array(rows);
  const dayOfWeek = new Int8Array(rows);
  const freeFlow = new Float32Array(rows);
  const current = new Float32Array(rows);
  const congestion = new Float32Array(rows);
  const confidence = new Float32Array(rows);
  const freeFlowTime = new Float32Array(rows);
  const currentTime = new Float32Array(rows);
  const validity = nullEvery > 0 ? new Uint8Array((rows + 7) >> 3) : undefined;
  let nulls = 0;
  for (let i = 0; i < rows; i++) {
    const s = i % segments;
    const ms = startMs + Math.floor(i / segments) * stepMs;
    halves[2 * i] = ms % 4294967296 | 0;
    halves[2 * i + 1] = Math.floor(ms / 4294967296);
    city[i] = cityOf(i);
    segment[i] = s;
    lat[i] = 52.3 + (s % 997) * 1e-3;
    lon[i] = 13.1 + (s % 991) * 1e-3;
    const rc = s % ROAD_CLASSES.length;
    roadClass[i] = rc;
    hour[i] = Math.floor((ms % 86_400_000) / 3_600_000);
    dayOfWeek[i] = ((Math.floor(ms / 86_400_000) + 3) % 7) + 1;
    const ff = FREE_FLOW[rc]!;
    const cur = ff * (0.3 + 0.7 * random());
    freeFlow[i] = ff;
    current[i] = cur;
    congestion[i] = congestionOf(cur, ff);
    confidence[i] = 0.5 + 0.5 * random();
    const lengthM = 100 + (s % 50) * 10;
    freeFlowTime[i] = (lengthM / 1000 / ff) * 3600;
    currentTime[i] = (lengthM / 1000 / cur) * 3600;
    if (validity) {
      if (i % nullEvery === 0) nulls++;
      else validity[i >> 3]! |= 1 << (i & 7);
    }
  }

  // segment_id strings, gathered from one encoded string per segment.
  const encoder = new TextEncoder();
  const names = Array.from({ length: segments }, (_, s) => encoder.encode(`osm:${100_000 + s * 7}:${s % 3}`));
  const offsets = new Int32Array(rows + 1);
  for (let i = 0; i < rows; i++) offsets[i + 1] = offsets[i]! + names[segment[i]!]!.length;
  const bytes = new Uint8Array(offsets[rows]!);
  for (let i = 0; i < rows; i++) bytes.set(names[segment[i]!]!, offsets[i]!);

  const f = sampleSchema.fields;
  const plain = (i: number, data: ArrayBufferView, nullable = false): Data =>
    makeData({ type: f[i]!.type, length: rows, data: data as never, ...(nullable && validity ? { nullBitmap: validity, nullCount: nulls } : {}) } as never);
  const dictionary = (i: number, indices: Int32Array, values: readonly string[]): Data =>
    makeData({ type: f[i]!.type as Dictionary, length: rows, data: indices, dictionary: makeVector(utf8(values)) });
  const children = [
    plain(0, timestamp),
    dictionary(1, city, cities),
    makeData({ type: new Utf8(), length: rows, valueOffsets: offsets, data: bytes }),
    plain(3, lat),
    plain(4, lon),
    dictionary(5, roadClass, ROAD_CLASSES),
    plain(6, hour),
    plain(7, dayOfWeek),
    plain(8, freeFlow),
    plain(9, current),
    plain(10, congestion),
    plain(11, confidence),
    plain(12, freeFlowTime, true),
    plain(13, currentTime, true),
    dictionary(14, new Int32Array(rows), [spec.source ?? 'synthetic']),
  ];
  return new RecordBatch(sampleSchema, makeData({ type: new Struct(f), length: rows, nullCount: 0, children }));
}

function utf8(values: readonly string[]): Data<Utf8> {
  const encoder = new TextEncoder();
  const encoded = values.map((v) => encoder.encode(v));
  const offsets = new Int32Array(values.length + 1);
  encoded.forEach((e, i) => (offsets[i + 1] = offsets[i]! + e.length));
  const data = new Uint8Array(offsets[values.length]!);
  encoded.forEach((e, i) => data.set(e, offsets[i]!));
  return makeData({ type: new Utf8(), length: values.length, valueOffsets: offsets, data });
}

/** Sum of a float column over batches, skipping nulls: an order-independent checksum to compare reads with. */
export function columnSum(batches: Iterable<RecordBatch>, column: string): number {
  let sum = 0;
  for (const batch of batches) {
    const vector = batch.getChild(column)!;
    for (let i = 0; i < vector.length; i++) {
      const v = vector.get(i) as number | null;
      if (v !== null) sum += v;
    }
  }
  return sum;
}
