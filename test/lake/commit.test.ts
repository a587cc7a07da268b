/**
 * The commit protocol: a shard written again replaces itself, a failed or killed attempt leaves nothing
 * visible (to this reader or to DuckDB globbing the published files), and recover() finishes what a crash
 * interrupted. DuckDB is the outside witness in every case.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShardPublishError, ShardWriteError, openLake } from '../../tasks/lake/index.ts';
import { LocalStorage } from '../../cluster/storage/index.ts';
import type { ObjectStorage } from '../../cluster/storage/index.ts';
import { countRows, duckCount, openDuckDB, readAll, sortedRows, tempDir, type DuckDB } from './helpers.ts';
import { sampleBatch } from './samples.ts';

let dir: Awaited<ReturnType<typeof tempDir>>;
let duck: DuckDB;
let counter = 0;
const newLakeDir = () => `${dir.path}/lake-${counter++}`;

beforeAll(async () => {
  dir = await tempDir();
  duck = await openDuckDB();
});
afterAll(async () => {
  duck?.close();
  await dir?.remove();
});

async function keys(storage: ObjectStorage, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for await (const { key } of storage.list(prefix)) out.push(key);
  return out;
}

const day = (cities: string[], seed: number, rows = 3000) => sampleBatch({ rows, cities, segments: 100, stepMs: 60_000, seed });

describe('idempotent shards', () => {
  it('keeps one copy when the same shard is written twice', async () => {
    const path = newLakeDir();
    const lake = await openLake(path, { threads: 0 });
    const batch = day(['oslo', 'rome'], 1);
    const first = await lake.writeShard('s-1', batch);
    const filesAfterFirst = (await keys(lake.storage)).filter((k) => k.endsWith('.parquet'));
    const second = await lake.writeShard('s-1', batch);
    expect([first.replaced, second.replaced]).toEqual([false, true]);
    expect(countRows(await readAll(lake))).toBe(3000);
    expect(await duckCount(duck, path)).toBe(3000);
    expect((await keys(lake.storage)).filter((k) => k.endsWith('.parquet'))).toEqual(filesAfterFirst);
    expect((await lake.committedShards()).map((s) => [s.shardId, s.rows])).toEqual([['s-1', 3000]]);
    expect(await keys(lake.storage, '_staging/')).toEqual([]);
    await lake.close();
  });

  it('removes partitions a re-run no longer has', async () => {
    const path = newLakeDir();
    const lake = await openLake(path, { threads: 0 });
    await lake.writeShard('s-1', day(['oslo', 'rome'], 1));
    await lake.writeShard('s-2', day(['lima'], 2, 500));
    const rerun = day(['oslo'], 3, 1000);
    await lake.writeShard('s-1', rerun);
    expect((await lake.ls()).map((p) => [p.values.city, p.rows])).toEqual([['lima', 500], ['oslo', 1000]]);
    expect(sortedRows(await readAll(lake, { filter: { shards: ['s-1'] } }))).toEqual(sortedRows([rerun]));
    expect(await duckCount(duck, path)).toBe(1500);
    expect(await duckCount(duck, path, "city = 'rome'")).toBe(0);
    await lake.close();
  });

  it('commits an empty shard, so a job can tell "done, no data" from "not done"', async () => {
    const lake = await openLake(newLakeDir(), { threads: 0 });
    const result = await lake.writeShard('quiet-hour', []);
    expect(result).toMatchObject({ rows: 0, files: 0 });
    expect((await lake.committedShards()).map((s) => [s.shardId, s.rows])).toEqual([['quiet-hour', 0]]);
    expect(await readAll(lake)).toEqual([]);
    await lake.close();
  });

  it('keeps one copy when two attempts of a shard run at the same time', async () => {
    const path = newLakeDir();
    const lake = await openLake(path, { threads: 2, maxRowsPerFile: 700 });
    const batch = day(['oslo', 'rome', 'lima'], 5);
    await Promise.all([lake.writeShard('dup', batch), lake.writeShard('dup', batch)]);
    expect(countRows(await readAll(lake))).toBe(3000);
    expect(await duckCount(duck, path)).toBe(3000);
    await lake.close();
  });
});

describe('failed and interrupted writes', () => {
  it('shows nothing of a write whose input fails midway, and cleans its staging', async () => {
    const path = newLakeDir();
    const lake = await openLake(path, { threads: 0, maxRowsPerFile: 500 });
    await lake.writeShard('good', day(['oslo'], 1, 1000));
    async function* failing() {
      yield day(['rome'], 2, 1200);
      yield day(['lima'], 3, 1200);
      throw new Error('provider returned garbage');
    }
    const error = await lake.writeShard('bad', failing()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShardWriteError);
    expect((error as Error).message).toMatch(/"bad".*provider returned garbage/);
    expect((await lake.committedShards()).map((s) => s.shardId)).toEqual(['good']);
    expect(countRows(await readAll(lake))).toBe(1000);
    expect(await duckCount(duck, path)).toBe(1000);
    expect(await keys(lake.storage, '_staging/')).toEqual([]);
    await lake.close();
  });

  it('stops a write when its signal aborts, leaving nothing visible', async () => {
    const path = newLakeDir();
    const lake = await openLake(path, { threads: 0, maxRowsPerFile: 500 });
    const controller = new AbortController();
    async function* slow() {
      yield day(['oslo'], 1, 1000);
      controller.abort(new Error('job cancelled'));
      yield day(['rome'], 2, 1000);
    }
    const error = await lake.writeShard('cancelled', slow(), { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShardWriteError);
    expect((error as Error).message).toMatch(/job cancelled/);
    expect(await lake.committedShards()).toEqual([]);
    expect(await keys(lake.storage)).toEqual(['_lake.json']);
    await lake.close();
  });

  it('hides a writer killed mid-shard, and a restart ends with exactly its rows', async () => {
    const path = newLakeDir();
    const lake = await openLake(path, { threads: 0 });
    await lake.writeShard('other', day(['oslo'], 9, 800));
    await runWriter(path, 'victim', 20, 'staged 6'); // SIGKILLed after 6 of 20 batches were staged
    expect((await keys(lake.storage, '_staging/victim/')).length).toBeGreaterThan(0);
    expect((await lake.committedShards()).map((s) => s.shardId)).toEqual(['other']);
    expect(countRows(await readAll(lake))).toBe(800);
    expect(await duckCount(duck, path)).toBe(800);

    const report = await lake.recover({ stagingGraceMs: 0 });
    expect(report.stagingDeleted).toBeGreaterThan(0);
    expect(await keys(lake.storage, '_staging/')).toEqual([]);

    await runWriter(path, 'victim', 20); // the restarted task runs to the end
    expect(countRows(await readAll(lake))).toBe(800 + 20 * 1000);
    expect(await duckCount(duck, path)).toBe(800 + 20 * 1000);
    expect((await lake.stats()).rows).toBe(800 + 20 * 1000);
    await lake.close();
  });

  it('serves a shard whose publish was interrupted, and recover() publishes it for other tools', async () => {
    const path = newLakeDir();
    const failing = new MoveFailsStorage(path);
    const lake = await openLake(failing, { threads: 0 });
    const batch = day(['oslo', 'rome'], 4);
    await expect(lake.writeShard('half', batch)).rejects.toBeInstanceOf(ShardPublishError);
    // Committed: this lake's readers see it (from staging); DuckDB does not yet.
    expect(sortedRows(await readAll(lake))).toEqual(sortedRows([batch]));
    expect((await lake.stats()).unpublishedShards).toBe(1);
    expect(await duckCount(duck, path)).toBe(0);

    failing.movesFail = false;
    const report = await lake.recover();
    expect(report.published).toEqual(['half']);
    expect(await duckCount(duck, path)).toBe(3000);
    expect(sortedRows(await readAll(lake))).toEqual(sortedRows([batch]));
    expect((await lake.stats()).unpublishedShards).toBe(0);
    expect(await keys(lake.storage, '_staging/')).toEqual([]);
    await lake.close();
  });

  it('deletes a shard: its rows disappear for both readers', async () => {
    const path = newLakeDir();
    const lake = await openLake(path, { threads: 0 });
    await lake.writeShard('keep', day(['oslo'], 1, 700));
    await lake.writeShard('drop', day(['oslo', 'rome'], 2, 900));
    expect(await lake.deleteShard('drop')).toBe(true);
    expect(await lake.deleteShard('drop')).toBe(false);
    expect(countRows(await readAll(lake))).toBe(700);
    expect(await duckCount(duck, path)).toBe(700);
    await lake.close();
  });
});

/** Local storage whose moves fail while `movesFail` is set: a publish interrupted after the commit. */
class MoveFailsStorage extends LocalStorage {
  movesFail = true;
  override async move(from: string, to: string): Promise<void> {
    if (this.movesFail) throw new Error('connection reset while publishing');
    return super.move(from, to);
  }
}

const fixture = fileURLToPath(new URL('./fixtures/slow-writer.ts', import.meta.url));
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Runs the writer process; with `killAfter`, SIGKILLs it once that line appears on its stdout. */
function runWriter(lakeDir: string, shardId: string, batches: number, killAfter?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsxLoader, fixture, lakeDir, shardId, String(batches)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (killAfter && stdout.includes(`${killAfter}\n`)) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (killAfter) {
        if (signal === 'SIGKILL' && !stdout.includes('committed')) resolve();
        else reject(new Error(`writer was not killed mid-shard (code ${code}, signal ${signal}): ${stdout} ${stderr}`));
      } else if (code === 0 && stdout.includes(`committed ${batches * 1000}`)) resolve();
      else reject(new Error(`writer failed (code ${code}): ${stderr}`));
    });
  });
}

