/**
 * Turns rows of a historical file into samples, following a compiled mapping. File-format readers (CSV,
 * Parquet) hand rows over as `column → value` lookups and stay ignorant of the schema.
 *
 * Every value read is checked before it becomes a sample: numbers must be plain decimal literals (`Number()`
 * alone reads `0x1f` as 31 and `'  '` as 0) within the column's range from `SAMPLE_RANGES` (speeds after unit
 * conversion), timestamps within 1970..2100, and a row holding binary data (control bytes, invalid UTF-8) is
 * refused as such rather than counted as a missing reading. A bad row fails the import with its line, or with
 * `onBadRow: 'skip'` is skipped and counted in `stats.badRows`.
 *
 * A sensor with no coordinates anywhere (file, `sensors`, defaults) is stored with lat = lon = NaN unless the
 * mapping sets `coordinates: 'required'`: loop-detector datasets often ship coordinates apart, or not at all,
 * and the sensor's identity is its `segment_id`. NaN rather than nullable columns because every lake already
 * written has non-nullable lat/lon (a nullable schema would be refused by them), and because readers that take
 * the float64 buffer directly would read a null as a silent 0,0 while NaN fails their finiteness checks.
 */
import { DEFAULT_MAXSPEED_KMH, isRoadClass, type RoadClass } from '../../traffic/road-classes.ts';
import { isoDayOfWeekOf, localHourOf, utcOffsetMs, zonedWallClockToUtc } from '../../traffic/local-time.ts';
import { congestionOf, describeRange, inRange, SAMPLE_RANGES, type RangedColumn, type Sample } from '../../traffic/schema.ts';
import type { CompiledMapping } from './mapping.ts';
import { registerTrafficErrors, TrafficError } from '../../traffic/errors.ts';

export type RowLookup = (column: string) => unknown;

/** Where a row sits in its file. */
export interface RowPlace {
  /** Line of the file as an editor counts it (the header is line 1), for line-based formats (CSV). */
  line?: number;
  /** The row's raw cells, checked for binary data (CSV). */
  cells?: readonly string[];
  /** Fields of the header, when `cells` may hold another number. */
  headerFields?: number;
}

export class ImportRowError extends TrafficError {
  override readonly name = 'ImportRowError';
  constructor(
    readonly file: string,
    /** 1-based data row (header excluded); 0 for a problem of the header (a mapped column it lacks). */
    readonly row: number,
    /** The file's line (header = line 1) for CSV; undefined for Parquet, whose rows are counted by `row`. */
    readonly line: number | undefined,
    /** The column at fault; empty when the row as a whole is (wrong number of fields, binary data). */
    readonly column: string,
    readonly value: string,
    detail: string,
  ) {
    const where = line !== undefined ? `line ${line}` : row === 0 ? 'header' : `row ${row}`;
    const shown = value === '' ? '' : ` (value ${JSON.stringify(value.slice(0, 40))}${value.length > 40 ? '…' : ''})`;
    super(`${file}, ${where}${column ? `, column "${column}"` : ''}: ${detail}${shown}; fix the file or set onBadRow: 'skip'`);
  }
}

export interface ImportStats {
  rows: number;
  samples: number;
  /** Cells or rows without a reading (empty, a missing-value marker, or 0 with `zeroIsMissing`). */
  missing: number;
  /** Rows skipped as unreadable with `onBadRow: 'skip'`. */
  badRows: number;
}

class BadValue extends Error {
  constructor(
    readonly column: string,
    readonly value: unknown,
    readonly detail: string,
  ) {
    super(detail);
  }
}

const ISO_OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;
/** A decimal number as data files write them: no hex, binary, `Infinity`, thousands separators or blanks. */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Control characters other than tab, and U+FFFD (what invalid UTF-8 decodes to): a cell of binary data. */
// eslint-disable-next-line no-control-regex
const BINARY = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/;

export class RowConverter {
  readonly stats: ImportStats = { rows: 0, samples: 0, missing: 0, badRows: 0 };
  /** Ids of every sensor a sample was made for. */
  readonly sensors = new Set<string>();
  /** Ids of sensors stored with lat = lon = NaN (no coordinates anywhere in the mapping). */
  readonly sensorsWithoutCoordinates = new Set<string>();
  readonly #m: CompiledMapping;
  readonly #file: string;
  readonly #missing: ReadonlySet<string>;
  readonly #sensorColumns: readonly string[];
  readonly #start: number | undefined;
  #offsetHour = NaN;
  #offsetMs = 0;

  /** `columns`: the file's column names, used to find a wide file's sensor columns. */
  constructor(mapping: CompiledMapping, file: string, columns: readonly string[]) {
    this.#m = mapping;
    this.#file = file;
    this.#missing = new Set(mapping.missingValues);
    const w = mapping.wide;
    if (mapping.layout === 'wide' && w) {
      this.#sensorColumns = w.sensorColumns ?? columns.filter((c) => c !== w.timestampColumn);
      const absent = this.#sensorColumns.filter((c) => !columns.includes(c));
      if (absent.length) throw new ImportRowError(file, 0, undefined, absent[0]!, '', `sensor column not in the file (it has ${columns.length} columns)`);
      this.#start = w.start !== undefined ? this.#parseTime('wide.start', w.start) : undefined;
    } else {
      this.#sensorColumns = [];
      for (const [key, col] of Object.entries(mapping.columns ?? {})) {
        if (col !== undefined && !columns.includes(col)) throw new ImportRowError(file, 0, undefined, col, '', `column mapped as ${key} is not in the file`);
      }
    }
  }

  /**
   * Samples for one row (0 or 1 for long files, one per sensor with a reading for wide ones). A bad row throws
   * an ImportRowError, or with `onBadRow: 'skip'` is counted, passed to `onSkipped`, and gives no samples.
   */
  convert(get: RowLookup, place: RowPlace = {}, onSkipped?: (error: ImportRowError) => void): Sample[] {
    const rowNumber = ++this.stats.rows;
    try {
      if (place.cells) this.#checkCells(place.cells, place.headerFields);
      const out = this.#m.layout === 'wide' ? this.#wide(get, rowNumber) : this.#long(get);
      this.stats.samples += out.length;
      return out;
    } catch (e) {
      if (!(e instanceof BadValue)) throw e;
      const error = new ImportRowError(this.#file, rowNumber, place.line, e.column, printable(e.value), e.detail);
      if (this.#m.onBadRow !== 'skip') throw error;
      this.stats.badRows++;
      onSkipped?.(error);
      return [];
    }
  }

  #checkCells(cells: readonly string[], headerFields: number | undefined): void {
    for (const cell of cells) {
      if (BINARY.test(cell)) throw new BadValue('', cell, 'binary data (control bytes or invalid UTF-8), not a line of text');
    }
    if (headerFields !== undefined && cells.length !== headerFields) {
      throw new BadValue('', '', `${cells.length} field${cells.length === 1 ? '' : 's'}, the header has ${headerFields}`);
    }
  }

  #long(get: RowLookup): Sample[] {
    const c = this.#m.columns!;
    const speed = this.#speed(c.speed, get(c.speed));
    if (speed === undefined) return [];
    const id = this.#text(c.segmentId, get(c.segmentId));
    const sensor = this.#m.sensors?.[id];
    const ts = this.#parseTime(c.timestamp, get(c.timestamp));
    const roadClass = this.#roadClass(c.roadClass ? get(c.roadClass) : undefined, sensor?.roadClass);
    const lat = c.lat ? this.#ranged('lat', c.lat, get(c.lat)) : sensor?.lat ?? this.#m.defaults.lat;
    const lon = c.lon ? this.#ranged('lon', c.lon, get(c.lon)) : sensor?.lon ?? this.#m.defaults.lon;
    if (lat === undefined || lon === undefined) this.#noCoordinates(c.segmentId, id);
    const freeFlow = c.freeFlowSpeed ? this.#speed(c.freeFlowSpeed, get(c.freeFlowSpeed), 'free_flow_speed_kmh') : undefined;
    const confidence = c.confidence ? this.#ranged('confidence', c.confidence, get(c.confidence)) : undefined;
    const travel = c.travelTime ? this.#ranged('current_travel_time_s', c.travelTime, get(c.travelTime)) : undefined;
    const length = c.length ? this.#length(c.length, get(c.length)) : sensor?.lengthM;
    return [this.#sample(ts, this.#city(get), id, lat ?? NaN, lon ?? NaN, roadClass, speed, freeFlow ?? this.#freeFlow(sensor?.freeFlowSpeed, roadClass), confidence, travel, length)];
  }

  #wide(get: RowLookup, rowNumber: number): Sample[] {
    const w = this.#m.wide!;
    const ts = w.timestampColumn !== undefined ? this.#parseTime(w.timestampColumn, get(w.timestampColumn)) : this.#start! + (rowNumber - 1) * w.intervalSeconds! * 1000;
    const city = this.#city(get);
    const out: Sample[] = [];
    for (const col of this.#sensorColumns) {
      const speed = this.#speed(col, get(col));
      if (speed === undefined) continue;
      const sensor = this.#m.sensors?.[col];
      const lat = sensor?.lat ?? this.#m.defaults.lat;
      const lon = sensor?.lon ?? this.#m.defaults.lon;
      const roadClass = sensor?.roadClass ?? this.#m.defaultRoadClass;
      if (lat === undefined || lon === undefined) this.#noCoordinates(col, col);
      out.push(this.#sample(ts, city, col, lat ?? NaN, lon ?? NaN, roadClass, speed, this.#freeFlow(sensor?.freeFlowSpeed, roadClass), undefined, undefined, sensor?.lengthM));
    }
    return out;
  }

  /** Records a sensor stored without coordinates, or refuses it when the mapping requires them. */
  #noCoordinates(column: string, id: string): void {
    if (this.#m.coordinates === 'required') throw new BadValue(column, id, `no coordinates for sensor "${id}": add lat/lon columns, a \`sensors\` entry, or defaults.lat/lon`);
    this.sensorsWithoutCoordinates.add(id);
  }

  #sample(ts: number, city: string, id: string, lat: number, lon: number, roadClass: RoadClass, speedKmh: number, freeFlowKmh: number, confidence: number | undefined, travelS: number | undefined, lengthM: number | undefined): Sample {
    const local = ts + this.#offset(ts);
    this.sensors.add(id);
    return {
      timestamp: ts,
      city,
      segment_id: id,
      lat,
      lon,
      road_class: roadClass,
      hour: localHourOf(local),
      day_of_week: isoDayOfWeekOf(local),
      free_flow_speed_kmh: freeFlowKmh,
      current_speed_kmh: speedKmh,
      congestion: congestionOf(speedKmh, freeFlowKmh),
      confidence: confidence ?? this.#m.defaults.confidence,
      free_flow_travel_time_s: lengthM !== undefined ? (lengthM * 3.6) / freeFlowKmh : null,
      current_travel_time_s: travelS ?? (lengthM !== undefined && speedKmh > 0 ? (lengthM * 3.6) / speedKmh : null),
      source: this.#m.source,
    };
  }

  #city(get: RowLookup): string {
    const c = this.#m.city;
    return typeof c === 'string' ? c : this.#text(c.column, get(c.column));
  }

  /** UTC offset cached per UTC hour: rows arrive in time order, so this is one Intl call per hour of data. */
  #offset(ts: number): number {
    const hour = Math.floor(ts / 3_600_000);
    if (hour !== this.#offsetHour) {
      this.#offsetHour = hour;
      this.#offsetMs = utcOffsetMs(this.#m.timeZone, ts);
    }
    return this.#offsetMs;
  }

  #freeFlow(sensorFreeFlow: number | undefined, roadClass: RoadClass): number {
    const given = sensorFreeFlow ?? this.#m.defaults.freeFlowSpeed;
    return given !== undefined ? given * this.#m.speedFactor : DEFAULT_MAXSPEED_KMH[roadClass];
  }

  #isMissing(v: unknown): boolean {
    if (typeof v === 'string') {
      const t = v.trim();
      return t === '' || this.#missing.has(t);
    }
    return v === undefined || v === null || (typeof v === 'number' && Number.isNaN(v));
  }

  /**
   * A speed in km/h, or `undefined` for a missing reading. The range is checked after unit conversion, and the
   * message gives both units.
   */
  #speed(column: string, v: unknown, as: 'current_speed_kmh' | 'free_flow_speed_kmh' = 'current_speed_kmh'): number | undefined {
    if (this.#isMissing(v)) {
      this.stats.missing++;
      return undefined;
    }
    const n = this.#number(column, v);
    if (n === 0 && this.#m.zeroIsMissing) {
      this.stats.missing++;
      return undefined;
    }
    const kmh = n * this.#m.speedFactor;
    const range = SAMPLE_RANGES[as];
    if (!inRange(range, kmh)) {
      const converted = this.#m.speedUnit === 'kmh' ? `${n} km/h` : `${n} ${this.#m.speedUnit} (${round(kmh)} km/h)`;
      throw new BadValue(column, v, `${as === 'current_speed_kmh' ? 'speed' : 'free-flow speed'} ${converted} is outside ${describeRange(range)}`);
    }
    return kmh;
  }

  /** A number that must lie in the range of sample column `as`. */
  #ranged(as: RangedColumn, column: string, v: unknown): number {
    const n = this.#number(column, v);
    const range = SAMPLE_RANGES[as];
    if (!inRange(range, n)) throw new BadValue(column, v, `${as} ${n} is outside ${describeRange(range)}`);
    return n;
  }

  #length(column: string, v: unknown): number {
    const n = this.#number(column, v);
    if (n < 0) throw new BadValue(column, v, `segment length ${n} m is negative`);
    return n;
  }

  #number(column: string, v: unknown): number {
    let n = NaN;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'bigint') n = Number(v);
    else if (typeof v === 'string') {
      this.#checkText(column, v);
      const t = v.trim();
      if (DECIMAL.test(t)) n = Number(t);
    }
    if (!Number.isFinite(n)) throw new BadValue(column, v, 'not a number');
    return n;
  }

  #text(column: string, v: unknown): string {
    if (typeof v === 'string') this.#checkText(column, v);
    if (this.#isMissing(v)) throw new BadValue(column, v, 'empty id');
    return String(v);
  }

  #checkText(column: string, v: string): void {
    if (BINARY.test(v)) throw new BadValue(column, v, 'binary data (control bytes or invalid UTF-8), not text');
  }

  #roadClass(v: unknown, sensorClass: RoadClass | undefined): RoadClass {
    if (typeof v === 'string' && v !== '') {
      const base = v.endsWith('_link') ? v.slice(0, -5) : v;
      if (isRoadClass(base)) return base;
    }
    return sensorClass ?? this.#m.defaultRoadClass;
  }

  #parseTime(column: string, v: unknown): number {
    const ms = this.#readTime(column, v);
    const range = SAMPLE_RANGES.timestamp;
    if (!inRange(range, ms)) {
      throw new BadValue(column, v, `timestamp ${Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : ms} is outside ${new Date(range.min).getUTCFullYear()}..${new Date(range.max).getUTCFullYear()} (seconds read as milliseconds or the reverse? set timestampFormat)`);
    }
    return ms;
  }

  #readTime(column: string, v: unknown): number {
    if (v instanceof Date) return v.getTime();
    if (typeof v === 'string') this.#checkText(column, v);
    const fmt = this.#m.timestampFormat;
    if (typeof v === 'number' || typeof v === 'bigint' || (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v.trim()) && fmt !== 'iso')) {
      const n = Number(typeof v === 'string' ? v.trim() : v);
      if (fmt === 'epoch_ms' || (fmt === 'auto' && n > 1e11)) return Math.round(n);
      return Math.round(n * 1000);
    }
    if (typeof v !== 'string' || v.trim() === '') throw new BadValue(column, v, 'missing timestamp');
    const s = v.trim().replace(' ', 'T');
    if (ISO_OFFSET.test(s)) {
      const ms = Date.parse(s);
      if (Number.isFinite(ms)) return ms;
    } else {
      const wall = Date.parse(`${s}Z`);
      if (Number.isFinite(wall)) return zonedWallClockToUtc(this.#m.timeZone, wall);
    }
    throw new BadValue(column, v, 'not a timestamp (use ISO 8601 or epoch seconds/ms)');
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** A value for a message: strings as they are, binary bytes escaped by JSON.stringify in ImportRowError. */
function printable(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : String(v);
}

registerTrafficErrors(ImportRowError);
