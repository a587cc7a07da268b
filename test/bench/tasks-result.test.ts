// The tasks bench's result: medians of the runs, ratios convoy/dask, target verdicts, and the table.
import { describe, expect, it } from 'vitest';
import { buildResult, table, tasksOptionsSchema } from '../../bench/tasks.ts';

const opts = tasksOptionsSchema.parse({});

describe('tasks bench result', () => {
  it('reports medians, convoy/dask ratios, every run and whether the targets are met', () => {
    const rates = new Map([
      ['convoy_sync', [900, 1500, 1200]],
      ['dask_sync', [80, 100, 90]],
      ['convoy_async', [9000, 12_000, 8000]],
      ['dask_async', [600, 500, 700]],
      ['convoy_multi_client', [20_000, 22_000, 21_000]],
      ['dask_multi_client', [1000, 1100, 1050]],
    ]);
    const cpu = new Map([
      ['convoy_sync_client', [400, 300, 500]],
      ['convoy_sync_head', [1, 0, 2]],
      ['convoy_sync_workers', [600, 500, 700]],
      ['convoy_multi_client_client', [70, 60, 80]],
    ]);
    const r = buildResult(opts, rates, { cpu, daskVersion: '2022.12.1' });
    expect(r).toMatchObject({
      convoy_sync_tasks_per_s: 1200,
      convoy_async_tasks_per_s: 9000,
      convoy_multi_client_tasks_per_s: 21_000,
      dask_sync_tasks_per_s: 90,
      dask_async_tasks_per_s: 600,
      dask_multi_client_tasks_per_s: 1050,
      convoy_vs_dask_sync: 13.33,
      convoy_vs_dask_async: 15,
      convoy_vs_dask_multi_client: 20,
      targets: 'sync met (>= 1000), async missed (>= 10000)',
      convoy_async_runs: '9000 12000 8000',
      reps: 3,
      async_tasks: 20_000,
      dask_version: '2022.12.1',
      convoy_sync_cpu_us_per_task_client: 400,
      convoy_sync_cpu_us_per_task_head: 1,
      convoy_sync_cpu_us_per_task_workers: 600,
      convoy_multi_client_cpu_us_per_task_client: 70,
    });
    expect(table(r)).toMatch(/sync\s+1,200\s+90\s+13.33x\s+>= 1,000 met\s+900 1500 1200\s+400 \/ 1 \/ 600/);
    expect(table(r)).toMatch(/async\s+9,000\s+600\s+15x\s+>= 10,000 MISSED/);
  });

  it('reports Convoy alone, with the reason, when Dask could not run', () => {
    const r = buildResult(opts, new Map([['convoy_sync', [1100]], ['convoy_async', [15_000]]]), { daskError: 'apt-get install failed' });
    expect(r.dask_sync_tasks_per_s).toBeUndefined();
    expect(r.convoy_vs_dask_sync).toBeUndefined();
    expect(r).toMatchObject({ convoy_sync_tasks_per_s: 1100, targets: 'sync met (>= 1000), async met (>= 10000)', dask_error: 'apt-get install failed' });
    expect(table(r)).toMatch(/dask not run: apt-get install failed/);
  });
});
