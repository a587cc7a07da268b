// A long-running cluster's head stays bounded: after 100,000 tasks, what the dashboard and scrapers read
// (/api/status, /metrics, a page of /api/tasks) is no larger than after 2,000, the task log holds no more
// than its bound, and the head process's resident memory has not grown with the task count. The head keeps
// counts and a bounded log, not every task (Ray's dashboard growing with them is ray#23680). Bytes and counts
// are asserted, never times.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '../../cluster/client/embedded.ts';
import { connect, type Cluster } from '../../cluster/client/index.ts';
import type * as basic from '../fixtures/tasks/basic.ts';
import type { TaskPage } from '../../cluster/api/head-api.ts';

const BASIC = new URL('../fixtures/tasks/basic.ts', import.meta.url);
const TASK_LOG = 5000;

let local: LocalCluster;
let cluster: Cluster;
beforeAll(async () => {
  local = await startLocalCluster({ workers: 2, cpusPerWorker: 1, maxTaskLog: TASK_LOG });
  cluster = await connect(local.address, { token: local.token });
});
afterAll(async () => {
  await cluster?.close();
  await local?.stop();
});

const read = async (route: string) => (await fetch(`http://${local.httpAddress}${route}`, { headers: { authorization: `Bearer ${local.token}` } })).text();

/** The head process's resident set, from /proc (skipped where there is none). */
function headRssBytes(): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${local.head.pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function runTasks(n: number): Promise<void> {
  const noop = cluster.task<typeof basic.noop>(BASIC, 'noop');
  for (let done = 0; done < n; done += 5000) {
    const refs = Array.from({ length: Math.min(5000, n - done) }, () => noop.remote());
    await cluster.get(refs);
  }
}

async function finishedCount(): Promise<number> {
  return (JSON.parse(await read('/api/status')) as { tasksByState: Record<string, number> }).tasksByState.finished ?? 0;
}

it('keeps what it serves and its memory bounded across 100,000 tasks', { timeout: 300_000 }, async () => {
  await runTasks(2000);
  await expect.poll(finishedCount, { timeout: 30_000 }).toBe(2000);
  const snapshot = async () => ({ status: (await read('/api/status')).length, metrics: (await read('/metrics')).length, tasks: (await read('/api/tasks')).length, rss: headRssBytes() });
  const early = await snapshot();

  await runTasks(98_000);
  await expect.poll(finishedCount, { timeout: 30_000 }).toBe(100_000);
  const late = await snapshot();
  const log = JSON.parse(await read('/api/tasks?limit=1')) as TaskPage;

  // The same shape with bigger numbers: a few digits more, not a row per task.
  expect(late.status).toBeLessThan(early.status + 200);
  expect(late.metrics).toBeLessThan(early.metrics + 8000); // room for a GC kind first seen in between
  expect(late.tasks).toBeLessThan(early.tasks + 2000); // a page is 100 tasks either way
  // The log holds at most its bound; every task is either in it or counted as dropped (evicted or shed).
  expect(log.kept).toBeLessThanOrEqual(TASK_LOG);
  expect(log.kept + log.dropped).toBeGreaterThanOrEqual(100_000);
  if (early.rss !== undefined && late.rss !== undefined) {
    // 98,000 more tasks at even 1 KiB each would be 96 MiB; the head holds none of them.
    expect(late.rss - early.rss).toBeLessThan(48 * 1024 * 1024);
  }
});
