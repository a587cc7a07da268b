// The tasks bench end to end on a real embedded cluster, tiny and without Dask: every round runs, reports
// progress and yields a rate; nothing is left running.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROUNDS, run, table, type TasksProgress } from '../../bench/tasks.ts';

describe('tasks bench run', () => {
  it('measures sync, async and multi-client rounds against a real cluster', async () => {
    const events: TasksProgress[] = [];
    const args = ['--reps', '2', '--sync-tasks', '20', '--async-tasks', '200', '--clients', '2', '--tasks-per-client', '50', '--warmup', '40', '--sync-warmup', '20', '--no-dask'];
    const result = await run(args, (p) => events.push(p));
    for (const r of ROUNDS) {
      expect(result[`convoy_${r}_tasks_per_s`]).toBeGreaterThan(0);
      expect(String(result[`convoy_${r}_runs`]).split(' ')).toHaveLength(2);
      expect(result[`dask_${r}_tasks_per_s`]).toBeUndefined();
      // Where the time went, by process role (read from /proc on Linux).
      for (const role of ['client', 'head', 'workers']) expect(result[`convoy_${r}_cpu_us_per_task_${role}`]).toBeGreaterThanOrEqual(0);
    }
    const measured = events.filter((e) => e.kind === 'measured');
    expect(measured.map((e) => e.kind === 'measured' && `${e.round}:${e.rep}:${e.tasks}`)).toEqual([
      'sync:1:20',
      'sync:2:20',
      'async:1:200',
      'async:2:200',
      'multi_client:1:100',
      'multi_client:2:100',
    ]);
    expect(result).toMatchObject({ reps: 2, clients: 2, tasks_per_client: 50, warmup: 40, sync_warmup: 20 });
    expect(result.targets).toMatch(/^sync (met|missed) \(>= 1000\), async (met|missed) \(>= 10000\)$/);
    expect(table(result)).toMatch(/dask not run: disabled \(--no-dask\)/);
    // The head, workers and client processes are all stopped by the time run() returns.
    expect(childPids()).toEqual([]);
  }, 120_000);
});

/** This process's children other than the `ps` that lists them, as "pid command". */
function childPids(): string[] {
  const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out.split('\n').map((l) => l.trim()).filter((l) => l && !/\sps$/.test(l));
}
