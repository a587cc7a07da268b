// The objects bench: its result (medians, ratios to Dask, target verdicts), the fixture's tables and checksums
// through the real object encoding, and a tiny end-to-end run on a real cluster that leaves nothing behind.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildResult, objectsOptionsSchema, run, table } from '../../bench/objects.ts';
import { buildTable, columnBytes, isShared, tableChecksum } from '../../bench/fixtures/objects-tasks.ts';
import { BenchOptionsError } from '../../bench/lib/options.ts';
import { decodeValue, encodeValue } from '../../cluster/objects/serialization.ts';
import type { Table } from 'apache-arrow';

const opts = objectsOptionsSchema.parse({});
const sample = (put: number, transfer: number, scatter: number) => ({
  put,
  get: put * 10,
  getRead: 3,
  transfer,
  transferMs: 500,
  transferBaselineMs: 4,
  scatter,
  gather: scatter / 2,
  smallPut: 50_000,
  smallGet: 90_000,
  memcpyFresh: 1.2,
  memcpyWarm: 7,
  zeroCopy: true,
  otherThread: true,
  socketCeiling: 1.6,
});
const load = { loadBefore: 1.5, loadAfter: 2.25 };

describe('objects bench result', () => {
  it('reports medians, every run, ratios to Dask and the target verdicts', () => {
    const convoy = [sample(1, 0.1, 0.2), sample(3, 0.3, 0.4), sample(2, 0.2, 0.3)];
    const dask = [
      { scatter: 1, gather: 1, w2w: 1.5 },
      { scatter: 0.6, gather: 0.8, w2w: 1 },
      { scatter: 1.2, gather: 1.1, w2w: 2 },
    ];
    const r = buildResult(opts, convoy, dask, { ...load, daskVersion: '2022.12.1' });
    expect(r).toMatchObject({
      put_GBps: 2,
      get_GBps: 20,
      transfer_GBps: 0.2,
      scatter_GBps: 0.3,
      gather_GBps: 0.15,
      dask_w2w_GBps: 1.5,
      dask_scatter_GBps: 1,
      transfer_vs_dask_w2w: 0.13,
      scatter_vs_dask_scatter: 0.3,
      put_GBps_runs: '1 3 2',
      dask_w2w_GBps_runs: '1.5 1 2',
      small_put_per_s: 50_000,
      in_node_zero_copy: expect.stringMatching(/^yes/),
      dask_version: '2022.12.1',
      mib: 512,
      dask_mib: 512,
      load_avg_1m_before: 1.5,
      socket_ceiling_GBps: 1.6,
      dask_w2w_vs_socket_ceiling: 0.94,
    });
    expect(r.targets).toBe('transfer vs dask w2w MISSED (0.13x vs >= 2x); put MISSED (2 GB/s vs >= 5 GB/s); get met (20 GB/s vs >= 5 GB/s)');
    expect(table(r)).toMatch(/transfer A to B \(GB\/s\)\s+0.2\s+w2w 1.5\s+0.13x/);
  });

  it('reports Convoy alone, with the reason, when Dask could not run', () => {
    const r = buildResult(objectsOptionsSchema.parse({ mib: '64' }), [sample(6, 4, 1)], [], { ...load, daskError: 'apt-get install failed' });
    expect(r.dask_w2w_GBps).toBeUndefined();
    expect(r.transfer_vs_dask_w2w).toBeUndefined();
    expect(r).toMatchObject({ transfer_GBps: 4, dask_error: 'apt-get install failed', mib: 64, dask_mib: 64 });
    expect(r.targets).toMatch(/^transfer vs dask w2w not measured .*; put met/);
    expect(table(r)).toMatch(/dask not run: apt-get install failed/);
  });

  it('refuses a wrong flag before starting anything', async () => {
    await expect(run(['--mib', '0'])).rejects.toBeInstanceOf(BenchOptionsError);
    await expect(run(['--frobnicate'])).rejects.toThrow(/unknown flag --frobnicate/);
  });
});

describe('objects bench tables', () => {
  it('builds tables of the asked size whose checksum survives the store encoding, in shared memory', () => {
    const t = buildTable(1 << 20, 3);
    expect(columnBytes(t)).toBe(1 << 20);
    const rows = (1 << 20) / 16;
    // x = i + seed, y = (7i + seed) mod 1,000,003: the sum is known in closed form for these rows.
    let ySum = 0;
    for (let i = 0; i < rows; i++) ySum += (i * 7 + 3) % 1_000_003;
    expect(tableChecksum(t)).toBe((rows * (rows - 1)) / 2 + 3 * rows + ySum);
    const back = decodeValue(encodeValue(t, 0)) as Table;
    expect(isShared(back)).toBe(true);
    expect(tableChecksum(back)).toBe(tableChecksum(t));
    expect(tableChecksum(buildTable(1 << 20, 4))).not.toBe(tableChecksum(t));
  });
});

describe('objects bench run', () => {
  it('measures every round on a real cluster and stops it afterwards', async () => {
    const progress: string[] = [];
    const r = await run(['--mib', '4', '--reps', '2', '--small-count', '200', '--no-dask'], (m) => progress.push(m));
    for (const k of ['put_GBps', 'get_GBps', 'get_read_GBps', 'transfer_GBps', 'scatter_GBps', 'gather_GBps', 'small_put_per_s', 'small_get_per_s', 'memcpy_fresh_GBps']) {
      expect(r[k], k).toBeGreaterThan(0);
    }
    expect(String(r.transfer_GBps_runs).split(' ')).toHaveLength(2);
    expect(r.in_node_zero_copy).toMatch(/^yes/);
    expect(r.in_node_get_thread).toBe('another pool thread than the put');
    expect(r.dask_w2w_GBps).toBeUndefined();
    expect(progress.some((m) => /^convoy 2\/2: put /.test(m))).toBe(true);
    expect(childPids()).toEqual([]);
  }, 180_000);
});

/** This process's children other than the `ps` that lists them, as "pid command". */
function childPids(): string[] {
  const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out.split('\n').map((l) => l.trim()).filter((l) => l && !/\sps$/.test(l));
}
