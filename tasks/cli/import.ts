/**
 * `convoy import --lake L --city NAME FILE...`: historical CSV or Parquet files into the lake, long (one row
 * per sensor and time) or wide (one column per sensor), with a progress line and one summary.
 *
 * It runs in this process, not on the cluster: the files are on this machine, and one file is one shard,
 * read as a stream and encoded in the lake's codec threads. Importing the same files again adds nothing
 * (import-files.ts), and a bad row fails the run with one line naming file, line and problem, leaving the lake
 * as it was.
 */
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { UsageError } from '../../cluster/client/index.ts';
import { formatCount, formatEta, formatRate } from '../../cluster/common/index.ts';
import type { ImportMapping } from '../sources/import/mapping.ts';
import type { FilesProgress, ImportFilesResult } from '../sources/import/import-files.ts';
import { CITY_KEYS, cityProfile } from '../traffic/cities.ts';
import { parseInstant } from '../traffic/instant.ts';
import { SPEED_UNIT_NAMES, isSpeedUnit } from '../traffic/units.ts';

interface ImportFlags {
  lake: string;
  city: string;
  format: string;
  dataset?: string;
  timeColumn?: string;
  sensorColumn: string;
  speedColumn: string;
  latColumn?: string;
  lonColumn?: string;
  start?: string;
  interval?: string;
  timeZone?: string;
  units: string;
  sensors?: string;
  zeroIsMissing?: boolean;
  skipBadRows?: boolean;
  delimiter?: string;
  quiet?: boolean;
  json?: boolean;
}


export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import historical CSV or Parquet files (long or wide) into the lake; running it again adds nothing')
    .argument('<files...>', 'CSV (optionally .gz) or Parquet (.parquet, .pq) files')
    .requiredOption('--lake <path|s3://bucket/prefix>', 'the lake to import into')
    .requiredOption('--city <name>', 'the city partition the samples go to (a built-in city key, or a name of your own)')
    .option('--format <long|wide>', 'long: one row per sensor and time; wide: a time column (or none, with --start) and one column per sensor id', 'long')
    .option('--dataset <name>', 'dataset name: samples get source = import:<name> (default: the city)')
    .option('--time-column <name>', 'column of timestamps (long: default "timestamp"; wide: default the first column, unless --start)')
    .option('--sensor-column <name>', 'long: column of sensor ids (kept as segment_id)', 'sensor_id')
    .option('--speed-column <name>', 'long: column of speeds', 'speed')
    .option('--lat-column <name>', 'long: column of latitudes (optional)')
    .option('--lon-column <name>', 'long: column of longitudes (optional)')
    .option('--start <instant>', 'wide without a time column: the first row\'s time (ISO 8601; read in --time-zone unless it has an offset)')
    .option('--interval <duration>', 'wide with --start: time between rows (e.g. 5m, 30s, 1h)', '5m')
    .option('--time-zone <iana>', 'zone of timestamps without an offset (default: the city\'s zone for a built-in city, else UTC)')
    .option('--units <kmh|mph|ms>', 'unit of the speeds in the files (stored as km/h; the unit is recorded for reports)', 'kmh')
    .option('--sensors <file>', 'CSV of sensor coordinates: id,lat,lon (header names such as sensor_id, latitude, longitude are found)')
    .option('--zero-is-missing', 'a speed of 0 means no reading (loop-detector datasets)')
    .option('--skip-bad-rows', 'skip and count unreadable rows instead of failing')
    .option('--delimiter <char>', 'CSV field delimiter', ',')
    .option('--quiet', 'no progress line')
    .option('--json', 'print the summary as JSON')
    .action(async (files: string[], flags: ImportFlags) => {
      for (const [flag, file] of [...files.map((f) => ['', f]), ...(flags.sensors ? [['--sensors ', flags.sensors]] : [])]) {
        const info = await stat(file!).catch(() => undefined);
        if (!info?.isFile()) throw new UsageError(`${flag}${file}: ${info ? 'not a file' : 'no such file'}; check the path`);
      }
      const mapping = await mappingOf(files, flags);
      const [{ openLake }, { importFiles, DatasetUnitConflictError }, { ImportRowError }] = await Promise.all([
        import('../lake/index.ts'),
        import('../sources/import/import-files.ts'),
        import('../sources/import/convert.ts'),
      ]);
      const lake = await openLake(flags.lake).catch((error: Error) => {
        if (error.name === 'StorageOptionsError' || error.name === 'LakeOptionsError') throw new UsageError(`--lake: ${error.message}`);
        throw error;
      });
      const show = progressLine(flags);
      try {
        let result: ImportFilesResult;
        try {
          result = await importFiles(lake, files, { mapping, delimiter: flags.delimiter, onProgress: show.update });
        } catch (error) {
          show.end();
          if (error instanceof DatasetUnitConflictError) throw new UsageError(`--units ${flags.units}: ${error.message}`);
          throw await explain(error, ImportRowError, flags.delimiter);
        }
        show.end();
        if (flags.json) console.log(JSON.stringify({ lake: lake.url, ...result }, null, 2));
        else console.log(summaryLine(result, lake.url, flags.units));
      } finally {
        await lake.close();
      }
    });
}

/** The import mapping the flags describe, every flag checked before a file is opened. */
async function mappingOf(files: string[], f: ImportFlags): Promise<ImportMapping & { city: string }> {
  if (f.format !== 'long' && f.format !== 'wide') throw new UsageError(`--format must be long or wide, got "${f.format}"`);
  if (!isSpeedUnit(f.units)) throw new UsageError(`--units must be one of ${SPEED_UNIT_NAMES.join(', ')}, got "${f.units}"`);
  const city = f.city.trim();
  if (city === '') throw new UsageError('--city: give a name (a built-in city key such as berlin, or your own)');
  const timeZone = f.timeZone ?? (CITY_KEYS.includes(city) ? cityProfile(city).timeZone : 'UTC');
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new UsageError(`--time-zone: unknown IANA time zone "${timeZone}"; use a name such as America/Los_Angeles or Europe/Berlin`);
  }
  const dataset = (f.dataset ?? city).toLowerCase().replace(/[^a-z0-9_.-]/g, '_').replace(/^[^a-z0-9]+/, '') || 'import';
  const sensors = f.sensors ? await (await import('../sources/import/read-sensors.ts')).readSensorsFile(f.sensors) : undefined;
  const common = {
    dataset,
    city,
    timeZone,
    speedUnit: f.units,
    zeroIsMissing: f.zeroIsMissing ?? false,
    onBadRow: f.skipBadRows ? ('skip' as const) : ('error' as const),
    ...(sensors ? { sensors } : {}),
  };
  if (f.format === 'long') {
    if (f.start !== undefined) throw new UsageError('--start is for --format wide; a long file has a time column (--time-column)');
    return {
      ...common,
      layout: 'long',
      columns: {
        timestamp: f.timeColumn ?? 'timestamp',
        segmentId: f.sensorColumn,
        speed: f.speedColumn,
        ...(f.latColumn ? { lat: f.latColumn } : {}),
        ...(f.lonColumn ? { lon: f.lonColumn } : {}),
      },
    };
  }
  if (f.latColumn || f.lonColumn) throw new UsageError('--lat-column/--lon-column are for --format long; give a wide file\'s coordinates with --sensors FILE');
  if (f.start === undefined) {
    // The first column, whatever its header says (public datasets often leave it blank).
    return { ...common, layout: 'wide', wide: { timestampColumn: f.timeColumn ?? (await firstColumn(files[0]!, f.delimiter)) } };
  }
  if (f.timeColumn !== undefined) throw new UsageError('give --time-column or --start, not both: --start is for wide files whose rows have no time column');
  if (files.length > 1) throw new UsageError(`--start gives the first row of one file its time; got ${files.length} files (import them one at a time, each with its own --start)`);
  const start = parseInstant(f.start);
  if ('error' in start) throw new UsageError(`--start: ${start.error}`);
  return { ...common, layout: 'wide', wide: { start: f.start.trim(), intervalSeconds: parseInterval(f.interval ?? '5m') } };
}

/** `5m`, `30s`, `1h`, `300` (seconds). */
export function parseInterval(v: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h)?\s*$/i.exec(v);
  const n = m ? Number(m[1]) * ({ s: 1, m: 60, min: 60, h: 3600 }[(m[2] ?? 's').toLowerCase() as 's'] ?? 1) : NaN;
  if (!(n > 0)) throw new UsageError(`--interval takes a duration such as 5m, 30s or 1h, got "${v}"`);
  return n;
}

async function firstColumn(file: string, delimiter = ','): Promise<string> {
  const columns = await fileColumns(file, delimiter).catch((error: Error) => {
    throw new UsageError(error.message);
  });
  return columns[0] ?? '';
}

async function fileColumns(file: string, delimiter = ','): Promise<string[]> {
  if (/\.(parquet|pq)$/i.test(file)) {
    const { openParquet } = await import('../sources/import/read-parquet.ts');
    return (await openParquet(file)).columns;
  }
  const { openCsv } = await import('../sources/import/read-csv.ts');
  return (await openCsv(file, { delimiter })).columns;
}

/**
 * A failure as one line: a row error's hint names the CLI flag, and a column the file lacks (a header
 * problem, row 0) is a usage error (exit 2) listing what the file has.
 */
async function explain(error: unknown, rowError: new (...args: never[]) => Error, delimiter?: string): Promise<unknown> {
  if (!(error instanceof rowError)) return error;
  const e = error as Error & { row: number; file: string };
  const message = e.message.replace(/; fix the file or set onBadRow: 'skip'$/, '');
  if (e.row === 0) {
    const columns = await fileColumns(e.file, delimiter).catch(() => undefined);
    const has = columns ? ` (its columns: ${columns.slice(0, 12).map((c) => JSON.stringify(c)).join(', ')}${columns.length > 12 ? ', …' : ''})` : '';
    return new UsageError(`${message}${has}; check --time-column, --sensor-column and --speed-column`);
  }
  return new Error(`${message}; fix the file or pass --skip-bad-rows (nothing was imported)`);
}

function progressLine(flags: ImportFlags): { update: (p: FilesProgress) => void; end: () => void } {
  if (flags.quiet) return { update: () => undefined, end: () => undefined };
  const tty = process.stderr.isTTY;
  let last = 0;
  let drawn = false;
  return {
    update: (p) => {
      if (Date.now() - last < (tty ? 200 : 5000)) return;
      last = Date.now();
      const line = `import: ${Math.floor(p.fraction * 100)}% | ${formatCount(p.samples)} samples (${formatCount(p.missing)} missing) from ${formatCount(p.rows)} rows | ${formatRate(p.samplesPerSecond)} | ETA ${formatEta(p.etaSeconds ?? null)} | file ${p.fileIndex + 1}/${p.files}`;
      if (tty) {
        process.stderr.write(`\r\u001b[2K${line}`);
        drawn = true;
      } else process.stderr.write(`${line}\n`);
    },
    end: () => {
      if (drawn) process.stderr.write('\r\u001b[2K');
      drawn = false;
    },
  };
}

function summaryLine(r: ImportFilesResult, lake: string, units: string): string {
  const replaced = r.files.filter((f) => f.replaced).length;
  const files = `${r.files.length} file${r.files.length === 1 ? '' : 's'}`;
  const again = replaced === 0 ? '' : replaced === r.files.length ? '; all already imported: replaced, nothing added' : `; ${replaced} already imported (replaced, nothing added)`;
  const coords = r.sensorsWithoutCoordinates > 0 ? `, ${formatCount(r.sensorsWithoutCoordinates)} without coordinates` : '';
  const bad = r.badRows > 0 ? `, ${formatCount(r.badRows)} bad rows skipped` : '';
  const unit = units === 'kmh' ? '' : ` (speeds in ${units}, stored as km/h)`;
  const rate = r.elapsedSeconds > 0 ? `, ${formatCount(Math.round(r.samples / r.elapsedSeconds))} samples/s` : '';
  return `imported ${formatCount(r.samples)} samples${unit} from ${files} into ${lake} city=${r.city}: ${formatCount(r.sensors)} sensors${coords}, ${formatCount(r.missing)} missing values skipped${bad}, in ${r.elapsedSeconds.toFixed(1)} s${rate}${again}`;
}
