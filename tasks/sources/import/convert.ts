/**
 * Turns rows of a historical file into samples, following a compiled mapping. File-format readers (CSV,
 * Parquet) hand rows over as `column → value` lookups and stay ignorant of the schema.
 */
import { DEFAULT_MAXSPEED_KMH, isRoadClass, type RoadClass } from '../../traffic/road-classes.ts';
import { isoDayOfWeekOf, localHourOf, utcOffsetMs, zonedWallClockToUtc } from '../../traffic/local-time.ts';
import { congestionOf, type Sample } from '../../traffic/schema.ts';
import type { CompiledMapping } from './mapping.ts';

export type RowLookup = (column: string) => unknown;

export class ImportRowError extends Error {
  override readonly name = 'ImportRowError';
  constructor(
    readonly file: string,
    /** 1-based data row (header excluded). */
    readonly row: number,
    readonly column: string,
    readonly value: string,
    detail: string,
  ) {
    super(`${file}, row ${row}, column "${column}": ${detail} (value ${JSON.stringify(value.slice(0, 40))}); fix the file or set onBadRow: 'skip'`);
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

export class RowConverter {
  readonly stats: ImportStats = { rows: 0, samples: 0, missing: 0, badRows: 0 };
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
      if (absent.length) throw new ImportRowError(file, 0, absent[0]!, '', `sensor column not in the file (it has ${columns.length} columns)`);
      this.#start = w.start !== undefined ? this.#parseTime('wide.start', w.start) : undefined;
    } else {
      this.#sensorColumns = [];
      for (const [key, col] of Object.entries(mapping.columns ?? {})) {
        if (col !== undefined && !columns.includes(col)) throw new ImportRowError(file, 0, col, '', `column mapped as ${key} is not in the file`);
      }
    }
  }

  /** Samples for one row (0 or 1 for long files, one per sensor with a reading for wide ones). */
  convert(get: RowLookup): Sample[] {
    const rowNumber = ++this.stats.rows;
    try {
      const out = this.#m.layout === 'wide' ? this.#wide(get, rowNumber) : this.#long(get);
      this.stats.samples += out.length;
      return out;
    } catch (e) {
      if (!(e instanceof BadValue)) throw e;
      if (this.#m.onBadRow === 'skip') {
        this.stats.badRows++;
        return [];
      }
      throw new ImportRowError(this.#file, rowNumber, e.column, String(e.value ?? ''), e.detail);
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
    const lat = c.lat ? this.#number(c.lat, get(c.lat)) : sensor?.lat ?? this.#m.defaults.lat;
    const lon = c.lon ? this.#number(c.lon, get(c.lon)) : sensor?.lon ?? this.#m.defaults.lon;
    if (lat === undefined || lon === undefined) throw new BadValue(c.segmentId, id, 'no coordinates: add lat/lon columns, a `sensors` entry, or defaults.lat/lon');
    const freeFlow = c.freeFlowSpeed ? this.#speed(c.freeFlowSpeed, get(c.freeFlowSpeed)) : undefined;
    const confidence = c.confidence ? this.#number(c.confidence, get(c.confidence)) : undefined;
    const travel = c.travelTime ? this.#number(c.travelTime, get(c.travelTime)) : undefined;
    const length = c.length ? this.#number(c.length, get(c.length)) : sensor?.lengthM;
    return [this.#sample(ts, this.#city(get), id, lat, lon, roadClass, speed, freeFlow ?? this.#freeFlow(sensor?.freeFlowSpeed, roadClass), confidence, travel, length)];
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
      if (lat === undefined || lon === undefined) throw new BadValue(col, col, `no coordinates for sensor "${col}": add it to \`sensors\` or set defaults.lat/lon`);
      const roadClass = sensor?.roadClass ?? this.#m.defaultRoadClass;
      out.push(this.#sample(ts, city, col, lat, lon, roadClass, speed, this.#freeFlow(sensor?.freeFlowSpeed, roadClass), undefined, undefined, sensor?.lengthM));
    }
    return out;
  }

  #sample(ts: number, city: string, id: string, lat: number, lon: number, roadClass: RoadClass, speedKmh: number, freeFlowKmh: number, confidence: number | undefined, travelS: number | undefined, lengthM: number | undefined): Sample {
    const local = ts + this.#offset(ts);
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
    return v === undefined || v === null || v === '' || (typeof v === 'number' && Number.isNaN(v)) || (typeof v === 'string' && this.#missing.has(v.trim()));
  }

  /** A speed in km/h, or `undefined` for a missing reading. */
  #speed(column: string, v: unknown): number | undefined {
    if (this.#isMissing(v)) {
      this.stats.missing++;
      return undefined;
    }
    const n = this.#number(column, v);
    if (n < 0 || n > 400 / this.#m.speedFactor) throw new BadValue(column, v, `speed ${n} ${this.#m.speedUnit} is out of range`);
    if (n === 0 && this.#m.zeroIsMissing) {
      this.stats.missing++;
      return undefined;
    }
    return n * this.#m.speedFactor;
  }

  #number(column: string, v: unknown): number {
    const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' ? Number(v.trim()) : NaN;
    if (!Number.isFinite(n)) throw new BadValue(column, v, 'not a number');
    return n;
  }

  #text(column: string, v: unknown): string {
    if (this.#isMissing(v)) throw new BadValue(column, v, 'empty id');
    return String(v);
  }

  #roadClass(v: unknown, sensorClass: RoadClass | undefined): RoadClass {
    if (typeof v === 'string' && v !== '') {
      const base = v.endsWith('_link') ? v.slice(0, -5) : v;
      if (isRoadClass(base)) return base;
    }
    return sensorClass ?? this.#m.defaultRoadClass;
  }

  #parseTime(column: string, v: unknown): number {
    if (v instanceof Date) return v.getTime();
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
