/**
 * `convoy lake …` as a user runs it: bad input (a path with no lake, a city the lake does not hold, a flag
 * value that is not a number or a day) is refused in one line naming the flag, as a usage error (exit 2),
 * instead of "no committed data" and exit 0 or a zod dump; `lake verify` lists damaged files and exits 1.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLake } from '../../tasks/lake/index.ts';
import { generateShard } from '../../tasks/sources/index.ts';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../bin/convoy.mjs');
interface Outcome {
  stdout: string;
  stderr: string;
  code: number;
}
const cli = (args: string[]): Promise<Outcome> =>
  run(process.execPath, [CLI, ...args], { timeout: 120_000 }).then(
    ({ stdout, stderr }) => ({ stdout, stderr, code: 0 }),
    (e: Outcome) => e,
  );

let dir: string;
let lakeDir: string;
const romeFile = 'date=2026-04-07/city=rome/part-s-rome-0.parquet';

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-lake-cli-'));
  lakeDir = path.join(dir, 'lake');
  const lake = await openLake(lakeDir, { threads: 0 });
  for (const city of ['berlin', 'rome']) {
    await lake.writeShard(`s-${city}`, generateShard({ seed: 3, city, from: '2026-04-06', to: '2026-04-08', samples: 4_000 }));
  }
  await lake.close();
}, 120_000);
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** One `convoy: …` line on stderr and the exit status: 2 for a usage error, 1 for a failure. */
function refused(outcome: Outcome, pattern: RegExp, code = 2): void {
  expect(outcome.code, outcome.stderr).toBe(code);
  expect(outcome.stderr).not.toMatch(/^\s+at /m);
  expect(outcome.stderr.trim().split('\n')).toHaveLength(1);
  expect(outcome.stderr).toMatch(pattern);
}

describe('convoy lake input', () => {
  // Each case is its own process; they run side by side (a CLI start costs seconds on a busy machine).
  it('refuses a path that holds no lake, naming it', async () => {
    const missing = path.join(dir, 'no-such-lake');
    const empty = path.join(dir, 'empty');
    await mkdir(empty);
    const [ofMissing, ofEmpty, ofScheme] = await Promise.all([
      cli(['lake', 'ls', '--lake', missing]),
      cli(['lake', 'stats', '--lake', empty]),
      cli(['lake', 'verify', '--lake', 'ftp://host/lake']),
    ]);
    refused(ofMissing, new RegExp(`^convoy: --lake ${missing}: no such folder`));
    refused(ofEmpty, /^convoy: --lake .*empty: no lake there \(no _lake\.json/);
    refused(ofScheme, /^convoy: --lake: Unsupported storage URL scheme "ftp"/);
  });

  it('refuses a city the lake does not hold, listing the cities it does', async () => {
    const [unknown, absent, present] = await Promise.all([
      cli(['lake', 'ls', '--lake', lakeDir, '--city', 'atlantis']),
      cli(['lake', 'head', '--lake', lakeDir, '--city', 'paris']),
      cli(['lake', 'ls', '--lake', lakeDir, '--city', 'rome']),
    ]);
    refused(unknown, /^convoy: --city atlantis: unknown city; the lake at .* holds berlin, rome \(cities Convoy models: .*paris/);
    refused(absent, /^convoy: --city paris: the lake at .* has no data for paris; it holds berlin, rome\./);
    expect(present.stdout).toMatch(/date=2026-04-06\/city=rome/);
  });

  it('refuses flag values that are not what the flag takes, naming the flag (a usage error)', async () => {
    const [rows, day, columns] = await Promise.all([
      cli(['lake', 'head', '--lake', lakeDir, '-n', 'abc']),
      cli(['lake', 'ls', '--lake', lakeDir, '--date-from', '2026-13-01']),
      cli(['lake', 'head', '--lake', lakeDir, '--columns', 'city,speed']),
    ]);
    refused(rows, /^convoy: option '-n, --rows <n>' argument 'abc' is invalid\. -n\/--rows must be a whole number of rows/);
    expect(rows.stderr).not.toMatch(/batchSize|NaN|Invalid scan options/);
    refused(day, /--date-from: "2026-13-01" is not a calendar date \(there is no month 13\)/);
    refused(columns, /^convoy: --columns: unknown column\(s\) "speed"; the lake has timestamp/);
  });
});

describe('convoy lake verify', () => {
  it('exits 0 on a sound lake and 1 listing each damaged file with the shard that re-creates it', async () => {
    const sound = await cli(['lake', 'verify', '--lake', lakeDir]);
    expect(sound.code).toBe(0);
    expect(sound.stdout).toMatch(/4 files .*: 4 verified, 0 unverified, 0 damaged/);

    // The probe of issue 12: 4 KiB overwritten in the middle of one file.
    const handle = await open(path.join(lakeDir, ...romeFile.split('/')), 'r+');
    const { size } = await handle.stat();
    await handle.write(Buffer.alloc(4096, 0x5a), 0, 4096, Math.floor(size / 2) - 2048);
    await handle.close();

    const [damaged, json, head] = await Promise.all([
      cli(['lake', 'verify', '--lake', lakeDir]),
      cli(['lake', 'verify', '--lake', lakeDir, '--json']),
      cli(['lake', 'head', '--lake', lakeDir, '--city', 'rome', '--date-from', '2026-04-07']),
    ]);
    expect(damaged.code).toBe(1);
    expect(damaged.stdout).toMatch(/3 verified, 0 unverified, 1 damaged/);
    expect(damaged.stdout).toMatch(new RegExp(`${romeFile}\\s+checksum\\s+s-rome`));
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { damaged: { key: string; shardId: string }[]; damagedShards: string[] };
    expect(report.damaged.map((d) => [d.key, d.shardId])).toEqual([[romeFile, 's-rome']]);
    refused(head, /^convoy: Lake file .*part-s-rome-0\.parquet \(partition date=2026-04-07\/city=rome, shard "s-rome"\)/, 1);

    const repaired = await cli(['lake', 'verify', '--lake', lakeDir, '--delete-damaged']);
    expect(repaired.code).toBe(1);
    expect(repaired.stdout).toMatch(/deleted shard\(s\) s-rome: re-run the collection/);
    const after = await cli(['lake', 'verify', '--lake', lakeDir]);
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/2 files .*: 2 verified/);
  });
});
