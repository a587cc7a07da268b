/**
 * A small, seeded traffic generator for the training tests: Arrow batches in the canonical schema with the
 * structure a model should find — two weekday rush hours of city-specific strength, quieter weekends, road
 * classes with their own free-flow speeds and sensitivity, per-segment offsets, and AR(1) noise so a reading
 * says something about the next one. Rows come time-major (every segment at 00:00, then 00:05, …), the order a
 * lake scan of one day and city yields.
 */
import {
  Dictionary,
  Int32,
  RecordBatch,
  Struct,
  TimestampMillisecond,
  Utf8,
  makeData,
  makeVector,
  vectorFromArray,
  type Vector,
} from 'apache-arrow';
import { mulberry32 } from '../../../cluster/common/index.ts';
import { sampleSchema } from '../../../tasks/traffic/schema.ts';

export interface SyntheticOptions {
  /** UTC midnight of the first day; 2024-01-01 is a Monday. @default Date.UTC(2024, 0, 1) */
  start?: number;
  days: number;
  /** @default 5 */
  intervalMin?: number;
  segmentsPerCity: number;
  /** @default ['oslo', 'lima', 'pune'] */
  cities?: string[];
  /** Rows per emitted batch. @default 8192 */
  batchRows?: number;
  /** Std of the multiplicative AR(1) noise. @default 0.06 */
  noise?: number;
  seed?: number;
}

const CLASSES = ['motorway', 'trunk', 'primary', 'secondary', 'tertiary', 'residential'] as const;
const FREE_FLOW: Record<string, number> = { motorway: 110, trunk: 90, primary: 60, secondary: 50, tertiary: 40, residential: 30 };
const SENSITIVITY: Record<string, number> = { motorway: 1, trunk: 0.9, primary: 0.8, secondary: 0.6, tertiary: 0.5, residential: 0.3 };
const CITY_CENTRES: [number, number][] = [
  [59.91, 10.75],
  [-12.05, -77.04],
  [18.52, 73.86],
  [52.52, 13.4],
  [40.71, -74.0],
];

const bump = (h: number, centre: number, width: number) => Math.exp(-0.5 * ((h - centre) / width) ** 2);

/** Congestion in [0, 0.9] for a city's rush strength, a road class, fractional hour and ISO day of week. */
export function expectedCongestion(rush: number, roadClass: string, hour: number, dow: number): number {
  const sens = SENSITIVITY[roadClass] ?? 0.3;
  const weekday = dow <= 5;
  const shape = weekday
    ? 0.55 * bump(hour, 8, 1) + 0.5 * bump(hour, 17.5, 1.4) + 0.1 * bump(hour, 13, 3)
    : 0.2 * bump(hour, 14, 3);
  return Math.min(0.9, rush * sens * shape);
}

interface Segment {
  id: string;
  city: string;
  cityIndex: number;
  roadClass: string;
  freeFlow: number;
  lat: number;
  lon: number;
  offset: number;
  ar: number;
}

export function* syntheticTraffic(o: SyntheticOptions): Generator<RecordBatch> {
  const start = o.start ?? Date.UTC(2024, 0, 1);
  const interval = (o.intervalMin ?? 5) * 60_000;
  const cities = o.cities ?? ['oslo', 'lima', 'pune'];
  const batchRows = o.batchRows ?? 8192;
  const noise = o.noise ?? 0.06;
  const random = mulberry32(o.seed ?? 7);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const rush = cities.map((_, i) => 0.6 + 0.25 * ((i * 7) % 3));
  const segments: Segment[] = [];
  cities.forEach((city, c) => {
    const [lat0, lon0] = CITY_CENTRES[c % CITY_CENTRES.length]!;
    for (let s = 0; s < o.segmentsPerCity; s++) {
      const roadClass = CLASSES[Math.floor(random() * CLASSES.length)]!;
      segments.push({
        id: `${city}:${s}`,
        city,
        cityIndex: c,
        roadClass,
        freeFlow: FREE_FLOW[roadClass]! * (0.9 + 0.2 * random()),
        lat: lat0 + (random() - 0.5) * 0.2,
        lon: lon0 + (random() - 0.5) * 0.2,
        offset: 0.03 * gauss(),
        ar: 0,
      });
    }
  });
  const steps = Math.round((o.days * 24 * 3_600_000) / interval);
  let rows: Row[] = [];
  for (let k = 0; k < steps; k++) {
    const ts = start + k * interval;
    const date = new Date(ts);
    const hour = date.getUTCHours();
    const dow = ((date.getUTCDay() + 6) % 7) + 1;
    const fracHour = hour + date.getUTCMinutes() / 60;
    for (const seg of segments) {
      seg.ar = 0.9 * seg.ar + Math.sqrt(1 - 0.81) * noise * gauss();
      const cong = expectedCongestion(rush[seg.cityIndex]!, seg.roadClass, fracHour, dow);
      const speed = Math.max(2, seg.freeFlow * (1 - cong) * (1 + seg.offset + seg.ar));
      rows.push({ ts, seg, hour, dow, speed });
      if (rows.length === batchRows) {
        yield toBatch(rows);
        rows = [];
      }
    }
  }
  if (rows.length) yield toBatch(rows);
}

/** The same stream as an async iterable, the shape `trainModel`'s `data()` returns. */
export async function* syntheticTrafficAsync(o: SyntheticOptions): AsyncGenerator<RecordBatch> {
  yield* syntheticTraffic(o);
}

interface Row {
  ts: number;
  seg: Segment;
  hour: number;
  dow: number;
  speed: number;
}

function toBatch(rows: Row[]): RecordBatch {
  const dict = () => new Dictionary(new Utf8(), new Int32());
  const n = rows.length;
  const congestion = rows.map((r) => Math.min(1, Math.max(0, 1 - r.speed / r.seg.freeFlow)));
  const columns: Vector[] = [
    vectorFromArray(rows.map((r) => r.ts), new TimestampMillisecond('UTC')),
    vectorFromArray(rows.map((r) => r.seg.city), dict()),
    vectorFromArray(rows.map((r) => r.seg.id), new Utf8()),
    makeVector(Float64Array.from(rows, (r) => r.seg.lat)),
    makeVector(Float64Array.from(rows, (r) => r.seg.lon)),
    vectorFromArray(rows.map((r) => r.seg.roadClass), dict()),
    makeVector(Int8Array.from(rows, (r) => r.hour)),
    makeVector(Int8Array.from(rows, (r) => r.dow)),
    makeVector(Float32Array.from(rows, (r) => r.seg.freeFlow)),
    makeVector(Float32Array.from(rows, (r) => r.speed)),
    makeVector(Float32Array.from(congestion)),
    makeVector(new Float32Array(n).fill(0.9)),
    makeVector(new Float32Array(n).fill(30)),
    makeVector(Float32Array.from(rows, (r) => (30 * r.seg.freeFlow) / r.speed)),
    vectorFromArray(rows.map(() => 'synthetic'), dict()),
  ];
  const data = makeData({
    type: new Struct(sampleSchema.fields),
    length: n,
    nullCount: 0,
    children: columns.map((c) => c.data[0]!),
  });
  return new RecordBatch(sampleSchema, data);
}
