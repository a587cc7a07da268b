/** `convoy lake ls | stats | head | verify`: what the lake holds, from its commit records and files. */
import { stat } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { formatBytes, formatCount, formatTable } from '../../cluster/common/index.ts';
import { UsageError } from '../../cluster/client/index.ts';
import type { Lake } from '../lake/index.ts';
import { CITY_KEYS } from '../traffic/cities.ts';
import { parseInstant } from '../traffic/instant.ts';

export interface LakeFlags {
  lake: string;
  city?: string;
  dateFrom?: string;
  dateTo?: string;
  json?: boolean;
}

/** A UTC day `YYYY-MM-DD` that exists on the calendar (`2026-13-01` and `2026-02-30` do not): the lake's `date` partitions. */
function parseDay(flag: string) {
  return (value: string): string => {
    const parsed = parseInstant(value);
    if ('error' in parsed) throw new InvalidArgumentError(`${flag}: ${parsed.error}`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value.trim())) throw new InvalidArgumentError(`${flag} takes a day YYYY-MM-DD (the lake is partitioned by day), got "${value}"`);
    return value.trim();
  };
}

function parseRowCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError('-n/--rows must be a whole number of rows, at least 1 (e.g. -n 20)');
  }
  return n;
}

const withFilter = (c: Command) =>
  c
    .requiredOption('--lake <path|s3://bucket/prefix>', 'the lake')
    .option('--city <city>', 'only this city')
    .option('--date-from <YYYY-MM-DD>', 'from this day (inclusive)', parseDay('--date-from'))
    .option('--date-to <YYYY-MM-DD>', 'to this day (inclusive)', parseDay('--date-to'))
    .option('--json', 'print JSON');

/**
 * Opens the lake a command describes, refusing (as usage errors, exit 2) a path with no lake, which would
 * otherwise read as an empty lake, and a city the lake does not hold. The lake module loads parquet-wasm:
 * load it only when a lake command runs.
 */
export async function openExistingLake(f: LakeFlags): Promise<Lake> {
  if (f.dateFrom && f.dateTo && f.dateFrom > f.dateTo) {
    throw new UsageError(`--date-from ${f.dateFrom} is after --date-to ${f.dateTo}; swap them or widen the window.`);
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(f.lake) || /^file:\/\//i.test(f.lake)) {
    const folder = f.lake.replace(/^file:\/\//i, '');
    const info = await stat(folder).catch(() => undefined);
    if (!info) throw new UsageError(`--lake ${f.lake}: no such folder; check the path (a lake is made by convoy collect --lake ${f.lake}).`);
    if (!info.isDirectory()) throw new UsageError(`--lake ${f.lake} is a file, not a lake folder; give the folder that holds _lake.json.`);
  }
  const { openLake, LAKE_METADATA_KEYS } = await import('../lake/index.ts');
  let lake: Lake;
  try {
    lake = await openLake(f.lake, { threads: 0 });
  } catch (error) {
    // A URL that names no storage (ftp://…, s3://KEY@…) is the flag's fault; I/O failures stay what they are.
    const name = (error as Error).name;
    if (name === 'StorageOptionsError' || name === 'LakeOptionsError') throw new UsageError(`--lake: ${(error as Error).message}`);
    throw error;
  }
  try {
    if ((await lake.storage.size(LAKE_METADATA_KEYS.descriptor)) === undefined && (await lake.committedShards()).length === 0) {
      throw new UsageError(`--lake ${lake.url}: no lake there (no ${LAKE_METADATA_KEYS.descriptor}, no commits); check the path (a lake is made by convoy collect --lake ${f.lake}).`);
    }
    if (f.city !== undefined) {
      const present = Object.keys((await lake.stats()).rowsBy.city ?? {}).sort();
      if (!present.includes(f.city)) {
        const holds = present.length ? `it holds ${present.join(', ')}` : 'it holds no committed data yet';
        throw new UsageError(
          CITY_KEYS.includes(f.city)
            ? `--city ${f.city}: the lake at ${lake.url} has no data for ${f.city}; ${holds}.`
            : `--city ${f.city}: unknown city; the lake at ${lake.url} ${holds.replace(/^it /, '')} (cities Convoy models: ${CITY_KEYS.join(', ')}).`,
        );
      }
    }
    return lake;
  } catch (error) {
    await lake.close();
    throw error;
  }
}

function filterOf(f: LakeFlags) {
  return { ...(f.city ? { city: f.city } : {}), ...(f.dateFrom ? { dateFrom: f.dateFrom } : {}), ...(f.dateTo ? { dateTo: f.dateTo } : {}) };
}

/** "no committed data" for a date window, with the window the lake does hold. */
async function nothingIn(l: Lake, f: LakeFlags): Promise<string> {
  const s = await l.stats(f.city ? { city: f.city } : undefined);
  if (s.files === 0) return `no committed data in ${l.url}`;
  const days = Object.keys(s.rowsBy.date ?? {}).sort();
  return `no committed data in ${l.url} from ${f.dateFrom ?? 'the start'} to ${f.dateTo ?? 'the end'}${f.city ? ` for ${f.city}` : ''}; it holds ${days[0]} .. ${days.at(-1)}`;
}

export function registerLake(program: Command): void {
  const lake = program.command('lake').description('describe and check what the lake holds');

  withFilter(lake.command('ls').description('partitions with their files, rows and bytes')).action(async (f: LakeFlags) => {
    const l = await openExistingLake(f);
    try {
      const parts = await l.ls(filterOf(f));
      if (f.json) return console.log(JSON.stringify(parts, null, 2));
      if (parts.length === 0) return console.log(await nothingIn(l, f));
      console.log(formatTable(['partition', 'files', 'rows', 'bytes', 'shards'], parts.map((p) => [p.path, p.files, formatCount(p.rows), formatCount(p.bytes), p.shards])));
    } finally {
      await l.close();
    }
  });

  withFilter(lake.command('stats').description('totals: shards, files, rows, bytes, rows per city and day')).action(async (f: LakeFlags) => {
    const l = await openExistingLake(f);
    try {
      const s = await l.stats(filterOf(f));
      if (f.json) return console.log(JSON.stringify(s, null, 2));
      if (s.files === 0) return console.log(await nothingIn(l, f));
      console.log(`${s.url}: ${formatCount(s.rows)} rows in ${s.files} files (${formatCount(s.bytes)} bytes), ${s.partitions} partitions, ${s.shards} shards`);
      if (s.minTimeMs !== undefined && s.maxTimeMs !== undefined) console.log(`time span: ${new Date(s.minTimeMs).toISOString()} .. ${new Date(s.maxTimeMs).toISOString()}`);
      if (s.unpublishedShards) console.log(`${s.unpublishedShards} shard(s) committed but not published: run recovery (lake.recover())`);
      for (const [field, byValue] of Object.entries(s.rowsBy)) {
        const entries = Object.entries(byValue).sort();
        console.log(`rows by ${field}: ${entries.slice(0, 30).map(([k, v]) => `${k} ${formatCount(v)}`).join(', ')}${entries.length > 30 ? ', …' : ''}`);
      }
    } finally {
      await l.close();
    }
  });

  withFilter(
    lake
      .command('head')
      .description('the first rows')
      .option('-n, --rows <n>', 'rows to show', parseRowCount, 10)
      .option('--columns <list>', 'comma-separated columns'),
  ).action(async (f: LakeFlags & { rows: number; columns?: string }) => {
    const l = await openExistingLake(f);
    try {
      const columns = f.columns?.split(',').map((c) => c.trim());
      const unknown = columns?.filter((c) => !l.schema.names.includes(c)) ?? [];
      if (columns && (unknown.length > 0 || columns.length === 0)) {
        throw new UsageError(`--columns: unknown column(s) ${unknown.map((c) => JSON.stringify(c)).join(', ')}; the lake has ${l.schema.names.join(', ')}.`);
      }
      const rows = await l.head(f.rows, { filter: filterOf(f), ...(columns ? { columns } : {}) });
      const plain = rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
      if (f.json) return console.log(JSON.stringify(plain, null, 2));
      if (plain.length === 0) return console.log(await nothingIn(l, f));
      const cols = Object.keys(plain[0]!);
      console.log(formatTable(cols, plain.map((r) => cols.map((c) => fmt(r[c])))));
    } finally {
      await l.close();
    }
  });

  withFilter(
    lake
      .command('verify')
      .description("check every file against its commit record's size and SHA-256; exit code 1 when any is damaged")
      .option('--delete-damaged', 'delete the shards of damaged files, so that re-running the collection that wrote them writes them again'),
  ).action(async (f: LakeFlags & { deleteDamaged?: boolean }) => {
    const l = await openExistingLake(f);
    try {
      const progress = process.stderr.isTTY
        ? (p: { files: number; totalFiles?: number; bytes: number; done: boolean }) =>
            process.stderr.write(`\rverifying: ${p.files}/${p.totalFiles ?? '?'} files, ${formatBytes(p.bytes)}${p.done ? '\n' : ''}`)
        : undefined;
      const report = await l.verify({ filter: filterOf(f), ...(progress ? { onProgress: progress } : {}) });
      const deleted: string[] = [];
      if (f.deleteDamaged) for (const shard of report.damagedShards) if (await l.deleteShard(shard)) deleted.push(shard);
      if (report.damaged.length > 0) process.exitCode = 1;
      if (f.json) return console.log(JSON.stringify({ ...report, deletedShards: deleted }, null, 2));
      console.log(
        `${report.url}: ${report.files} files (${formatBytes(report.bytes)}): ${report.verified} verified, ` +
          `${report.unverified} unverified, ${report.damaged.length} damaged`,
      );
      if (report.unverified > 0) {
        console.log(
          `unverified: ${report.unverified} file(s) of shard(s) ${list(report.unverifiedShards)} have no hash in their commit record ` +
            '(written before hashes were): only their size was checked; writing those shards again adds hashes',
        );
      }
      if (report.damaged.length === 0) return;
      console.log(formatTable(['damaged file', 'problem', 'shard', 'detail'], report.damaged.map((d) => [d.key, d.problem, d.shardId, d.detail])));
      console.log(
        deleted.length > 0
          ? `deleted shard(s) ${list(deleted)}: re-run the collection that wrote them (convoy collect with the same arguments) to write them again`
          : `to re-create them: delete shard(s) ${list(report.damagedShards)} (convoy lake verify --lake ${f.lake} --delete-damaged) ` +
              'and re-run the collection that wrote them (convoy collect with the same arguments)',
      );
    } finally {
      await l.close();
    }
  });
}

function list(items: readonly string[], max = 10): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

function fmt(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(3);
  return v === null || v === undefined ? '' : String(v);
}
