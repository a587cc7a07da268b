/**
 * A columnar builder for record batches in `sampleSchema`.
 *
 * Sources fill typed arrays directly and `finish()` wraps them as Arrow data without copying, which is what
 * lets the synthetic source generate millions of samples per second per core (arrow's row-wise builders
 * cost about a microsecond per value). City, road class and source are dictionary-encoded against shared
 * dictionaries that start with the known values, so consecutive batches reuse one dictionary vector and an
 * IPC writer sends it once instead of with every batch.
 *
 * Two ways in:
 * - `append(sample)`: one row from a plain object, for providers and imports.
 * - `appendRow(...)`: every column as numbers, strings as dictionary indices and pre-encoded id bytes, for
 *   generators that fill millions of rows.
 */
import {
  Data,
  type DataType,
  makeData,
  RecordBatch,
  type Schema,
  Struct,
  Utf8,
  vectorFromArray,
  type Vector,
} from 'apache-arrow';
import { CITY_KEYS } from './cities.ts';
import { ROAD_CLASSES } from './road-classes.ts';
import { type Sample, sampleSchema } from './schema.ts';
import { SOURCE_NAMES } from './source-names.ts';

/**
 * A growing string dictionary. The vector is rebuilt only when a value was added since the last call, so
 * batches built from one dictionary share the same Arrow data object.
 */
export class StringDictionary {
  readonly #index = new Map<string, number>();
  readonly #values: string[] = [];
  #vector: Vector<Utf8> | undefined;

  constructor(initial: readonly string[] = []) {
    for (const v of initial) this.indexOf(v);
  }

  get size(): number {
    return this.#values.length;
  }

  indexOf(value: string): number {
    let i = this.#index.get(value);
    if (i === undefined) {
      i = this.#values.length;
      this.#values.push(value);
      this.#index.set(value, i);
      this.#vector = undefined;
    }
    return i;
  }

  valueAt(i: number): string {
    return this.#values[i]!;
  }

  vector(): Vector<Utf8> {
    this.#vector ??= vectorFromArray(this.#values, new Utf8());
    return this.#vector;
  }
}

/** Dictionaries shared by every builder in this thread unless a builder is given its own. */
export const sharedDictionaries = {
  city: new StringDictionary(CITY_KEYS),
  roadClass: new StringDictionary(ROAD_CLASSES),
  // Imports add their `import:<dataset>` values as they appear.
  source: new StringDictionary(SOURCE_NAMES),
};

export type SampleDictionaries = typeof sharedDictionaries;

const utf8 = new TextEncoder();
const fieldType = (name: string): DataType => sampleSchema.fields.find((f) => f.name === name)!.type;

export class SampleBatchBuilder {
  readonly capacity: number;
  readonly dictionaries: SampleDictionaries;
  /** Rows committed so far. */
  length = 0;

  // Column arrays. `finish()` hands them to the batch it returns and allocates fresh ones, so a caller
  // that fills them directly must re-read these fields after each `finish()`.
  /** Timestamps as little-endian int64 words: row i is (lo = words[2i], hi = words[2i+1]). */
  timestampWords!: Int32Array;
  cityIndex!: Int32Array;
  roadClassIndex!: Int32Array;
  sourceIndex!: Int32Array;
  lat!: Float64Array;
  lon!: Float64Array;
  hour!: Int8Array;
  dayOfWeek!: Int8Array;
  freeFlowSpeedKmh!: Float32Array;
  currentSpeedKmh!: Float32Array;
  congestion!: Float32Array;
  confidence!: Float32Array;
  freeFlowTravelTimeS!: Float32Array;
  currentTravelTimeS!: Float32Array;

  #segOffsets!: Int32Array;
  #segBytes!: Uint8Array;
  #segEnd = 0;
  // Validity bitmaps for the two nullable columns, allocated on the first null.
  #freeFlowTravelValid: Uint8Array | undefined;
  #currentTravelValid: Uint8Array | undefined;

  constructor(capacity: number, dictionaries: SampleDictionaries = sharedDictionaries) {
    if (!Number.isInteger(capacity) || capacity <= 0) {
      throw new RangeError(`SampleBatchBuilder capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.dictionaries = dictionaries;
    this.#allocate(capacity * 16);
  }

  #allocate(idBytes: number): void {
    const n = this.capacity;
    this.timestampWords = new Int32Array(n * 2);
    this.cityIndex = new Int32Array(n);
    this.roadClassIndex = new Int32Array(n);
    this.sourceIndex = new Int32Array(n);
    this.lat = new Float64Array(n);
    this.lon = new Float64Array(n);
    this.hour = new Int8Array(n);
    this.dayOfWeek = new Int8Array(n);
    this.freeFlowSpeedKmh = new Float32Array(n);
    this.currentSpeedKmh = new Float32Array(n);
    this.congestion = new Float32Array(n);
    this.confidence = new Float32Array(n);
    this.freeFlowTravelTimeS = new Float32Array(n);
    this.currentTravelTimeS = new Float32Array(n);
    this.#segOffsets = new Int32Array(n + 1);
    this.#segBytes = new Uint8Array(idBytes);
    this.#segEnd = 0;
    this.#freeFlowTravelValid = undefined;
    this.#currentTravelValid = undefined;
    this.length = 0;
  }

  get full(): boolean {
    return this.length >= this.capacity;
  }

  /** Writes a timestamp (ms since the epoch, < 2^53) at `row` without allocating a BigInt. */
  setTimestamp(row: number, ms: number): void {
    this.timestampWords[2 * row] = ms >>> 0;
    this.timestampWords[2 * row + 1] = Math.floor(ms / 4294967296);
  }

  /** Appends one row from a plain sample. Throws when full: check `full` first. */
  append(s: Sample): void {
    if (this.length >= this.capacity) throw new RangeError(`SampleBatchBuilder is full (${this.capacity} rows)`);
    const d = this.dictionaries;
    const i = this.length;
    this.appendRow(
      s.timestamp,
      d.city.indexOf(s.city),
      utf8.encode(s.segment_id),
      s.lat,
      s.lon,
      d.roadClass.indexOf(s.road_class),
      s.hour,
      s.day_of_week,
      s.free_flow_speed_kmh,
      s.current_speed_kmh,
      s.congestion,
      s.confidence,
      s.free_flow_travel_time_s ?? 0,
      s.current_travel_time_s ?? 0,
      d.source.indexOf(s.source),
    );
    this.#setTravelValidity(i, s.free_flow_travel_time_s !== null, s.current_travel_time_s !== null);
  }

  /**
   * Fast path for generators: row `this.length` gets every column in one call. Strings come as dictionary
   * indices and pre-encoded id bytes.
   */
  appendRow(
    timestampMs: number,
    cityIdx: number,
    segmentIdBytes: Uint8Array,
    lat: number,
    lon: number,
    roadClassIdx: number,
    hour: number,
    dayOfWeek: number,
    freeFlowKmh: number,
    currentKmh: number,
    congestion: number,
    confidence: number,
    freeFlowTravelS: number,
    currentTravelS: number,
    sourceIdx: number,
  ): void {
    const i = this.length;
    this.timestampWords[2 * i] = timestampMs >>> 0;
    this.timestampWords[2 * i + 1] = Math.floor(timestampMs / 4294967296);
    this.cityIndex[i] = cityIdx;
    this.lat[i] = lat;
    this.lon[i] = lon;
    this.roadClassIndex[i] = roadClassIdx;
    this.hour[i] = hour;
    this.dayOfWeek[i] = dayOfWeek;
    this.freeFlowSpeedKmh[i] = freeFlowKmh;
    this.currentSpeedKmh[i] = currentKmh;
    this.congestion[i] = congestion;
    this.confidence[i] = confidence;
    this.freeFlowTravelTimeS[i] = freeFlowTravelS;
    this.currentTravelTimeS[i] = currentTravelS;
    this.sourceIndex[i] = sourceIdx;
    const end = this.#segEnd + segmentIdBytes.length;
    if (end > this.#segBytes.length) this.#growSegBytes(end);
    const buf = this.#segBytes;
    let p = this.#segEnd;
    for (let k = 0; k < segmentIdBytes.length; k++) buf[p++] = segmentIdBytes[k]!;
    this.#segEnd = end;
    this.length = i + 1;
    this.#segOffsets[i + 1] = end;
    if (this.#freeFlowTravelValid) this.#setTravelValidity(i, true, true);
  }

  /**
   * Wraps the filled rows as a RecordBatch (no copy of the column arrays) and leaves the builder empty with
   * fresh arrays, so the returned batch is never overwritten.
   */
  finish(): RecordBatch {
    const n = this.length;
    const d = this.dictionaries;
    const dict = (name: string, indices: Int32Array, dictionary: StringDictionary) =>
      makeData({ type: fieldType(name) as never, length: n, nullCount: 0, data: indices.subarray(0, n), dictionary: dictionary.vector() as never });
    const prim = (name: string, values: ArrayLike<number> & { subarray(a: number, b: number): unknown }) =>
      makeData({ type: fieldType(name) as never, length: n, nullCount: 0, data: values.subarray(0, n) as never });
    const nullable = (name: string, values: Float32Array, valid: Uint8Array | undefined) => {
      const nullCount = valid ? n - countBits(valid, n) : 0;
      return makeData({
        type: fieldType(name) as never,
        length: n,
        nullCount,
        data: values.subarray(0, n),
        nullBitmap: nullCount > 0 ? valid!.subarray(0, (n + 7) >> 3) : undefined,
      });
    };
    const children: Data[] = [
      makeData({ type: fieldType('timestamp') as never, length: n, nullCount: 0, data: new BigInt64Array(this.timestampWords.buffer, 0, n) as never }),
      dict('city', this.cityIndex, d.city),
      makeData({
        type: new Utf8(),
        length: n,
        nullCount: 0,
        valueOffsets: this.#segOffsets.subarray(0, n + 1),
        data: this.#segBytes.subarray(0, this.#segEnd),
      }),
      prim('lat', this.lat),
      prim('lon', this.lon),
      dict('road_class', this.roadClassIndex, d.roadClass),
      prim('hour', this.hour),
      prim('day_of_week', this.dayOfWeek),
      prim('free_flow_speed_kmh', this.freeFlowSpeedKmh),
      prim('current_speed_kmh', this.currentSpeedKmh),
      prim('congestion', this.congestion),
      prim('confidence', this.confidence),
      nullable('free_flow_travel_time_s', this.freeFlowTravelTimeS, this.#freeFlowTravelValid),
      nullable('current_travel_time_s', this.currentTravelTimeS, this.#currentTravelValid),
      dict('source', this.sourceIndex, d.source),
    ];
    const batch = recordBatchOf(sampleSchema, children, n);
    this.#reset();
    return batch;
  }

  #setTravelValidity(i: number, freeFlowKnown: boolean, currentKnown: boolean): void {
    if (!freeFlowKnown || !currentKnown) {
      this.#freeFlowTravelValid ??= allValid(this.capacity, i);
      this.#currentTravelValid ??= allValid(this.capacity, i);
    }
    if (this.#freeFlowTravelValid) setBit(this.#freeFlowTravelValid, i, freeFlowKnown);
    if (this.#currentTravelValid) setBit(this.#currentTravelValid, i, currentKnown);
  }

  #growSegBytes(atLeast: number): void {
    const next = new Uint8Array(Math.max(atLeast, this.#segBytes.length * 2));
    next.set(this.#segBytes.subarray(0, this.#segEnd));
    this.#segBytes = next;
  }

  #reset(): void {
    // The finished batch owns the old arrays; allocate new ones rather than overwrite shared memory.
    this.#allocate(Math.max(this.capacity * 16, this.#segEnd));
  }
}

/** A RecordBatch over ready-made column data in `schema`'s field order. */
export function recordBatchOf(schema: Schema, children: Data[], length: number): RecordBatch {
  const struct = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children });
  return new RecordBatch(schema, struct);
}

/** Encodes a segment id once so generators can append it per row without re-encoding. */
export function encodeSegmentId(id: string): Uint8Array {
  return utf8.encode(id);
}

/** Builds batches of at most `batchRows` from plain samples (convenience for providers, imports and tests). */
export function batchesFromSamples(samples: Iterable<Sample>, batchRows = 65_536): RecordBatch[] {
  const out: RecordBatch[] = [];
  const b = new SampleBatchBuilder(batchRows);
  for (const s of samples) {
    b.append(s);
    if (b.full) out.push(b.finish());
  }
  if (b.length > 0) out.push(b.finish());
  return out;
}

function allValid(capacity: number, upTo: number): Uint8Array {
  const bits = new Uint8Array((capacity + 7) >> 3);
  for (let i = 0; i < upTo; i++) bits[i >> 3]! |= 1 << (i & 7);
  return bits;
}

function setBit(bits: Uint8Array, i: number, on: boolean): void {
  if (on) bits[i >> 3]! |= 1 << (i & 7);
  else bits[i >> 3]! &= ~(1 << (i & 7));
}

function countBits(bits: Uint8Array, n: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) c += (bits[i >> 3]! >> (i & 7)) & 1;
  return c;
}
