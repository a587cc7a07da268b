/** `convoy lake ls | stats | head`: what the lake holds, from its commit records and files. */
import type { Command } from 'commander';
import { table } from '../../cluster/cli/format.ts';
import { count } from './shared.ts';

interface LakeFlags {
  lake: string;
  city?: string;
  dateFrom?: string;
  dateTo?: string;
  json?: boolean;
}

const withFilter = (c: Command) =>
  c
    .requiredOption('--lake <path|s3://bucket/prefix>', 'the lake')
    .option('--city <city>', 'only this city')
    .option('--date-from <YYYY-MM-DD>', 'from this day (inclusive)')
    .option('--date-to <YYYY-MM-DD>', 'to this day (inclusive)')
    .option('--json', 'print JSON');

/** The lake module loads parquet-wasm: load it only when a lake command runs. */
async function openLake(url: string, o: { threads: number }) {
  return (await import('../lake/index.ts')).openLake(url, o);
}

function filterOf(f: LakeFlags) {
  return { ...(f.city ? { city: f.city } : {}), ...(f.dateFrom ? { dateFrom: f.dateFrom } : {}), ...(f.dateTo ? { dateTo: f.dateTo } : {}) };
}

export function registerLake(program: Command): void {
  const lake = program.command('lake').description('describe what the lake holds');

  withFilter(lake.command('ls').description('partitions with their files, rows and bytes')).action(async (f: LakeFlags) => {
    const l = await openLake(f.lake, { threads: 0 });
    try {
      const parts = await l.ls(filterOf(f));
      if (f.json) return console.log(JSON.stringify(parts, null, 2));
      if (parts.length === 0) return console.log(`no committed data in ${l.url}`);
      console.log(table(['partition', 'files', 'rows', 'bytes', 'shards'], parts.map((p) => [p.path, p.files, count(p.rows), count(p.bytes), p.shards])));
    } finally {
      await l.close();
    }
  });

  withFilter(lake.command('stats').description('totals: shards, files, rows, bytes, rows per city and day')).action(async (f: LakeFlags) => {
    const l = await openLake(f.lake, { threads: 0 });
    try {
      const s = await l.stats(filterOf(f));
      if (f.json) return console.log(JSON.stringify(s, null, 2));
      console.log(`${s.url}: ${count(s.rows)} rows in ${s.files} files (${count(s.bytes)} bytes), ${s.partitions} partitions, ${s.shards} shards`);
      if (s.minTimeMs !== undefined && s.maxTimeMs !== undefined) console.log(`time span: ${new Date(s.minTimeMs).toISOString()} .. ${new Date(s.maxTimeMs).toISOString()}`);
      if (s.unpublishedShards) console.log(`${s.unpublishedShards} shard(s) committed but not published: run recovery (lake.recover())`);
      for (const [field, byValue] of Object.entries(s.rowsBy)) {
        const entries = Object.entries(byValue).sort();
        console.log(`rows by ${field}: ${entries.slice(0, 30).map(([k, v]) => `${k} ${count(v)}`).join(', ')}${entries.length > 30 ? ', …' : ''}`);
      }
    } finally {
      await l.close();
    }
  });

  withFilter(lake.command('head').description('the first rows').option('-n, --rows <n>', 'rows to show', '10').option('--columns <list>', 'comma-separated columns')).action(
    async (f: LakeFlags & { rows: string; columns?: string }) => {
      const l = await openLake(f.lake, { threads: 0 });
      try {
        const rows = await l.head(Number(f.rows), { filter: filterOf(f), ...(f.columns ? { columns: f.columns.split(',') } : {}) });
        const plain = rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
        if (f.json) return console.log(JSON.stringify(plain, null, 2));
        if (plain.length === 0) return console.log('no rows');
        const cols = Object.keys(plain[0]!);
        console.log(table(cols, plain.map((r) => cols.map((c) => fmt(r[c])))));
      } finally {
        await l.close();
      }
    },
  );
}

function fmt(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(3);
  return v === null || v === undefined ? '' : String(v);
}
