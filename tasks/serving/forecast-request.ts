/**
 * The body of `POST /forecast`, checked with zod before it reaches a replica:
 *
 *     { "sensors": [{ "sensor": "pems:400001", "timeZone": "America/Los_Angeles", "roadClass": "motorway",
 *                     "freeFlowSpeedKmh": 105, "lat": 37.36, "lon": -121.9,
 *                     "readings": [{ "timestamp": "2026-03-02T07:00Z", "speedKmh": 97.2 }, …] }] }
 *     { "fromLake": { "sensors": ["pems:400001"], "at": "2026-03-02T08:00Z" } }
 *
 * A refusal names the field as a path (`sensors[0].readings[3].speedKmh`) and says what it must be. Unknown
 * fields are refused too, so a typo (`speed_kmh`) is named rather than read as a missing value. What only the
 * model can judge (enough readings, no gap) is checked by the predictor (forecast-input.ts).
 */
import { z } from 'zod';
import { parseInstant } from '../traffic/instant.ts';
import type { ForecastQuery } from './replica.ts';

/** Sensors per request at most: a bigger request is better split, so batches stay small. @default 1000 */
export const MAX_SENSORS_PER_REQUEST = 1000;
/** Readings per sensor at most (a day of five-minute slots). */
export const MAX_READINGS = 288;

const instant = z.union([z.number().finite(), z.string()], { error: 'must be ms since the epoch or an ISO 8601 date-time' });
const finite = (what: string) => z.number({ error: `must be a finite number (${what})` }).finite();

const readingSchema = z.strictObject({
  timestamp: instant,
  speedKmh: finite('km/h').optional(),
  congestion: finite('0 to 1').optional(),
});

const sensorSchema = z.strictObject({
  sensor: z.string({ error: 'must be the sensor id, a string' }).min(1, 'must not be empty'),
  readings: z.array(readingSchema, { error: 'must be an array of { timestamp, speedKmh }' }).max(MAX_READINGS, `holds more than ${MAX_READINGS} readings: send the last ones the model needs`).optional(),
  at: instant.optional(),
  city: z.string().optional(),
  timeZone: z.string().optional(),
  roadClass: z.string({ error: 'must be an OSM road class such as "motorway"' }),
  freeFlowSpeedKmh: finite('km/h'),
  lat: finite('degrees'),
  lon: finite('degrees'),
});

const byReadings = z.strictObject({
  sensors: z.array(sensorSchema, { error: 'must be an array of sensors' }).min(1, 'must name at least one sensor').max(MAX_SENSORS_PER_REQUEST, `holds more than ${MAX_SENSORS_PER_REQUEST} sensors: split the request`),
});

const byLake = z.strictObject({
  fromLake: z.strictObject({
    sensors: z.array(z.string().min(1)).min(1).max(MAX_SENSORS_PER_REQUEST).optional(),
    at: instant.optional(),
    city: z.string().optional(),
  }),
});

/** A refused body: the field (a path) and what to fix. */
export interface RequestProblem {
  field: string;
  message: string;
}

/** `sensors[0].readings[3].speedKmh`. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${String(p)}` : String(p)), '') || '(body)';
}

/** The query a body asks for, or the first problem with it. */
export function parseForecastRequest(body: unknown): { query: ForecastQuery } | { problem: RequestProblem } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { problem: { field: '(body)', message: 'must be a JSON object with "sensors" (each sensor\'s readings) or "fromLake" (sensors whose history the service reads)' } };
  }
  const lake = 'fromLake' in body;
  if (!lake && !('sensors' in body)) {
    return { problem: { field: 'sensors', message: 'is missing: give "sensors" (each sensor\'s readings), or "fromLake" to read their history from the service\'s lake' } };
  }
  const parsed = (lake ? byLake : byReadings).safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      const field = fieldPath([...issue.path, issue.keys[0]!]);
      return { problem: { field, message: `${field} is not a field here (did you mean one of ${knownFields(issue.path)}?)` } };
    }
    const field = fieldPath(issue.path);
    return { problem: { field, message: `${field} ${issue.message.replace(/^Invalid input: /, '')}` } };
  }
  if ('sensors' in parsed.data) return { query: { sensors: parsed.data.sensors } };
  const f = parsed.data.fromLake;
  let at: number | undefined;
  if (typeof f.at === 'string') {
    const t = parseInstant(f.at);
    if ('error' in t) return { problem: { field: 'fromLake.at', message: `fromLake.at ${t.error}` } };
    at = t.ms;
  } else at = f.at;
  return { query: { fromLake: { ...(f.sensors ? { sensors: f.sensors } : {}), ...(at !== undefined ? { at } : {}), ...(f.city ? { city: f.city } : {}) } } };
}

function knownFields(path: readonly PropertyKey[]): string {
  const last = path.at(-1);
  if (path.length === 0) return 'sensors, fromLake';
  if (last === 'fromLake') return Object.keys(byLake.shape.fromLake.shape).join(', ');
  if (path.at(-2) === 'readings') return Object.keys(readingSchema.shape).join(', ');
  return Object.keys(sensorSchema.shape).join(', ');
}
