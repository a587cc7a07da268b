/**
 * A sensor coordinates file, as loop-detector datasets ship it beside the speeds: CSV rows of id, latitude and
 * longitude. With a header, the columns are found by name (`sensor_id`/`id`/`sensor`/`segment_id`,
 * `lat`/`latitude`, `lon`/`lng`/`longitude`; METR-LA's `index,sensor_id,latitude,longitude` works as it is);
 * without one (the first row's 2nd and 3rd cells are numbers), the columns are id, lat, lon.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { registerTrafficErrors, TrafficError } from '../../traffic/errors.ts';

export class SensorsFileError extends TrafficError {
  override readonly name = 'SensorsFileError';
  constructor(
    readonly path: string,
    readonly line: number | undefined,
    detail: string,
  ) {
    super(`${path}${line !== undefined ? `, line ${line}` : ''}: ${detail}`);
  }
}

export type SensorCoordinates = Record<string, { lat: number; lon: number }>;

const ID_NAMES = ['sensor_id', 'id', 'sensor', 'segment_id', 'station_id', 'station'];
const LAT_NAMES = ['lat', 'latitude'];
const LON_NAMES = ['lon', 'lng', 'long', 'longitude'];
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export async function readSensorsFile(path: string): Promise<SensorCoordinates> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new SensorsFileError(path, undefined, `${(cause as NodeJS.ErrnoException).code ?? 'cannot read'}; check the path`);
  }
  let rows: string[][];
  try {
    rows = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true }) as string[][];
  } catch (cause) {
    throw new SensorsFileError(path, undefined, (cause as Error).message);
  }
  if (rows.length === 0) throw new SensorsFileError(path, undefined, 'the file is empty; expected rows of id,lat,lon');
  const first = rows[0]!;
  const hasHeader = !(NUMBER.test(first[1] ?? '') && NUMBER.test(first[2] ?? ''));
  let columns = { id: 0, lat: 1, lon: 2 };
  if (hasHeader) {
    const names = first.map((c) => c.toLowerCase());
    const find = (candidates: string[]) => names.findIndex((n) => candidates.includes(n));
    columns = { id: find(ID_NAMES), lat: find(LAT_NAMES), lon: find(LON_NAMES) };
    if (columns.lat < 0 || columns.lon < 0) throw new SensorsFileError(path, 1, `no latitude/longitude columns in the header (${first.join(',')}); name them lat and lon, or leave the header out (id,lat,lon)`);
    if (columns.id < 0) columns.id = [0, 1, 2].find((i) => i !== columns.lat && i !== columns.lon)!;
  }
  const out: SensorCoordinates = {};
  rows.forEach((row, i) => {
    if (hasHeader && i === 0) return;
    const line = i + 1;
    const id = row[columns.id] ?? '';
    if (id === '') throw new SensorsFileError(path, line, 'empty sensor id');
    const lat = Number(row[columns.lat]);
    const lon = Number(row[columns.lon]);
    if (!NUMBER.test(row[columns.lat] ?? '') || !(lat >= -90 && lat <= 90)) throw new SensorsFileError(path, line, `latitude "${row[columns.lat] ?? ''}" is not a number in -90..90`);
    if (!NUMBER.test(row[columns.lon] ?? '') || !(lon >= -180 && lon <= 180)) throw new SensorsFileError(path, line, `longitude "${row[columns.lon] ?? ''}" is not a number in -180..180`);
    if (out[id] !== undefined) throw new SensorsFileError(path, line, `sensor "${id}" appears twice`);
    out[id] = { lat, lon };
  });
  return out;
}

registerTrafficErrors(SensorsFileError);
