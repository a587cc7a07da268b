// A driver that finishes while its head is down (SIGKILLed, restarting on its store): close() waits for the
// head to be back, and what the driver said last (a tune run's end, its goodbye) reaches the new head instead
// of being dropped with a channel closed under a session reopened a moment before. Real head and worker
// processes on loopback.
import { afterEach, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '../../cluster/client/embedded.ts';
import { connect } from '../../cluster/client/index.ts';
import type { HistoryReport, TuneRunSummary } from '../../cluster/api/head-api.ts';
import type * as basic from '../fixtures/tasks/basic.ts';

const BASIC = new URL('../fixtures/tasks/basic.ts', import.meta.url);

let local: LocalCluster | undefined;
afterEach(async () => {
  await local?.stop();
  local = undefined;
});

const run = (status: string): TuneRunSummary => ({ name: 'across', jobId: '', metric: 'loss', mode: 'min', status, trials: [], startedAt: 1, updatedAt: 2 });

it("delivers a driver's last tune report and goodbye when it closes while the head restarts", { timeout: 180_000 }, async () => {
  local = await startLocalCluster({ workers: 1, cpusPerWorker: 1 });
  const cluster = await connect(local.address, { token: local.token });
  const square = cluster.task<typeof basic.square>(BASIC, 'square');
  expect(await cluster.get(square.remote(4))).toBe(16);
  cluster.reportTuneRun(run('running'));

  local.head.child.kill('SIGKILL');
  const restarted = local.restartHead();
  cluster.reportTuneRun(run('finished'));
  await cluster.close();
  await restarted;

  const get = async <T>(route: string) => (await (await fetch(`http://${local!.httpAddress}${route}`, { headers: { authorization: `Bearer ${local!.token}` } })).json()) as T;
  expect((await get<TuneRunSummary>('/api/tune-runs/across')).status).toBe('finished');
  // The goodbye arrived: the driver is gone at once (not detached for its grace), so its final counts are
  // in the history already.
  const history = await get<HistoryReport>('/api/history');
  expect(history.taskSummaries.find((t) => t.jobId === '')?.counts.finished).toBe(1);
});
