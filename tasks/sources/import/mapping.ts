/**
 * How the columns of a historical dataset map onto the sample schema.
 *
 * Two layouts:
 * - **long**: one reading per row, with timestamp, sensor/segment id and speed columns (provider exports,
 *   most open-data portals).
 * - **wide**: one row per instant and one column per sensor (METR-LA, PEMS-BAY): each cell is a speed, the
 *   time comes from a timestamp column or from a start time plus a fixed interval.
 *
 * Sensors rarely carry coordinates or free-flow speeds in the data file itself; `sensors` supplies that
 * metadata, `defaults` fills what is still missing. Validated once by `compileMapping`.
 */
import { z } from 'zod';
import { cityProfile } from '../../traffic/cities.ts';
import { ROAD_CLASSES, type RoadClass } from '../../traffic/road-classes.ts';
import { importSourceName } from '../../traffic/source-names.ts';
import { formatZodIssues } from '../../../cluster/common/index.ts';
import { registerTrafficErrors, TrafficError } from '../../traffic/errors.ts';
import { SPEED_UNITS, SPEED_UNIT_NAMES } from '../../traffic/units.ts';

const roadClass = z.enum(ROAD_CLASSES);

const sensorSchema = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  roadClass: roadClass.optional(),
  /** Free-flow speed, in the mapping's `speedUnit`. */
  freeFlowSpeed: z.number().positive().optional(),
  lengthM: z.number().positive().optional(),
});

export const importMappingSchema = z
  .object({
    /** Dataset name: samples get `source = import:<dataset>`. */
    dataset: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'use lower-case letters, digits, _ . -'),
    /** City key for every row, or the column that holds it. */
    city: z.union([z.string().min(1), z.object({ column: z.string() })]),
    /** Zone of timestamps without an offset. @default the city's zone when `city` is a known key, else UTC */
    timeZone: z.string().optional(),
    /** Unit of every speed in the file. @default 'kmh' */
    speedUnit: z.enum(SPEED_UNIT_NAMES).default('kmh'),
    /** @default 'auto' (numbers above 1e11 are ms, others s; strings are ISO 8601) */
    timestampFormat: z.enum(['auto', 'iso', 'epoch_s', 'epoch_ms']).default('auto'),
    /** @default 'long' */
    layout: z.enum(['long', 'wide']).default('long'),
    columns: z
      .object({
        timestamp: z.string(),
        segmentId: z.string(),
        speed: z.string(),
        freeFlowSpeed: z.string().optional(),
        lat: z.string().optional(),
        lon: z.string().optional(),
        roadClass: z.string().optional(),
        confidence: z.string().optional(),
        /** Current travel time over the segment, seconds. */
        travelTime: z.string().optional(),
        /** Segment length, metres (gives travel times when no travel-time column exists). */
        length: z.string().optional(),
      })
      .optional(),
    wide: z
      .object({
        /** Column with each row's instant; or give `start` and `intervalSeconds`. */
        timestampColumn: z.string().optional(),
        start: z.string().optional(),
        intervalSeconds: z.number().positive().optional(),
        /** Sensor columns. @default every column except the timestamp column */
        sensorColumns: z.array(z.string()).min(1).optional(),
      })
      .optional(),
    /** Per-sensor (or per-segment) metadata by id. */
    sensors: z.record(z.string(), sensorSchema).optional(),
    defaults: z
      .object({
        lat: z.number().min(-90).max(90).optional(),
        lon: z.number().min(-180).max(180).optional(),
        /** @default 'motorway' for wide (loop-detector) files, 'unclassified' for long ones */
        roadClass: roadClass.optional(),
        /** In the mapping's `speedUnit`. @default the road class's default speed limit */
        freeFlowSpeed: z.number().positive().optional(),
        /** @default 1 (measured, not modelled) */
        confidence: z.number().min(0).max(1).default(1),
      })
      .default({ confidence: 1 }),
    /**
     * Sensors without coordinates (no lat/lon columns, no `sensors` entry, no defaults): `optional` stores their
     * samples with lat = lon = NaN (the schema's lat/lon are non-nullable float64; training drops or ignores
     * non-finite coordinates, and the sensor stays identified by `segment_id`), `required` fails the import.
     * @default 'optional'
     */
    coordinates: z.enum(['optional', 'required']).default('optional'),
    /** Cell values that mean "no reading" (besides empty cells). @default ['NA', 'NaN', 'null'] */
    missingValues: z.array(z.string()).default(['NA', 'NaN', 'null']),
    /** Treat a speed of 0 as missing: loop-detector datasets such as METR-LA write 0 for "no data". @default false */
    zeroIsMissing: z.boolean().default(false),
    /**
     * A row with a value that cannot be read, is outside its column's range (`SAMPLE_RANGES`), holds binary data
     * or has another number of fields than the header: `error` fails the import with the first such row (file,
     * line, column, value; nothing of a failed import reaches the lake), `skip` leaves it out and counts it in
     * `stats.badRows` (each one goes to the `onSkippedRow` option). @default 'error'
     */
    onBadRow: z.enum(['error', 'skip']).default('error'),
  })
  .superRefine((m, ctx) => {
    if (m.layout === 'long' && !m.columns) ctx.addIssue({ code: 'custom', path: ['columns'], message: 'a long layout needs `columns` (timestamp, segmentId, speed)' });
    if (m.layout === 'wide') {
      const w = m.wide;
      if (!w) ctx.addIssue({ code: 'custom', path: ['wide'], message: 'a wide layout needs `wide` (timestampColumn, or start and intervalSeconds)' });
      else if (w.timestampColumn === undefined && (w.start === undefined || w.intervalSeconds === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['wide'], message: 'give `timestampColumn`, or both `start` and `intervalSeconds`' });
      }
    }
  });

export type ImportMapping = z.input<typeof importMappingSchema>;

export interface CompiledMapping extends Omit<z.output<typeof importMappingSchema>, 'timeZone'> {
  timeZone: string;
  source: string;
  /** km/h per unit of the file's speeds. */
  speedFactor: number;
  defaultRoadClass: RoadClass;
}

export class ImportMappingError extends TrafficError {
  override readonly name = 'ImportMappingError';
  constructor(
    readonly issues: string[],
    options?: { cause?: unknown },
  ) {
    super(`invalid import mapping: ${issues.join('; ')}`, options);
  }
}


export function compileMapping(mapping: ImportMapping): CompiledMapping {
  const r = importMappingSchema.safeParse(mapping);
  if (!r.success) throw new ImportMappingError(formatZodIssues(r.error.issues, { root: 'mapping' }));
  const m = r.data;
  let timeZone = m.timeZone;
  if (!timeZone && typeof m.city === 'string') {
    try {
      timeZone = cityProfile(m.city).timeZone;
    } catch {
      timeZone = 'UTC';
    }
  }
  return {
    ...m,
    timeZone: timeZone ?? 'UTC',
    source: importSourceName(m.dataset),
    speedFactor: SPEED_UNITS[m.speedUnit],
    defaultRoadClass: m.defaults.roadClass ?? (m.layout === 'wide' ? 'motorway' : 'unclassified'),
  };
}

registerTrafficErrors(ImportMappingError);
