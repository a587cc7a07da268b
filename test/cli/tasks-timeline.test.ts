// The task log end to end, on a real head and worker processes: a driver's tasks (one failing, one actor
// call) appear in GET /api/tasks with their node, run time and error; `convoy tasks` lists and filters them;
// `convoy timeline` writes a Chrome trace with one complete event per task; bad flags and a missing token
// are refused with a line that says what to do.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ClusterStatus, TaskPage } from '../../cluster/api/head-api.ts';
import { runConvoy } from '../helpers/cli.ts';
import { startTestCluster, eventually, TASKS, type TestCluster } from '../helpers/cluster.ts';
import type * as basic from '../fixtures/tasks/basic.ts';
import type * as actors from '../fixtures/tasks/actors.ts';

const ACTORS = new URL('../fixtures/tasks/actors.ts', import.meta.url);

let c: TestCluster;
let scratch: string;
beforeAll(async () => {
  c = await startTestCluster({ workers: 2, cpusPerWorker: 1 });
  scratch = mkdtempSync(path.join(os.tmpdir(), 'convoy-timeline-'));
}, 120_000);
afterAll(async () => {
  await c?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const convoy = (args: string[]) => runConvoy(args, { CONVOY_TOKEN: c.local.token, CONVOY_HOME: scratch });

const tasks = async (query = ''): Promise<TaskPage> =>
  (await (await fetch(`http://${c.local.httpAddress}/api/tasks${query}`, { headers: { authorization: `Bearer ${c.local.token}` } })).json()) as TaskPage;

it('lists, filters and draws the tasks a driver ran', { timeout: 180_000 }, async () => {
  const square = c.cluster.task<typeof basic.square>(TASKS, 'square');
  const fail = c.cluster.task<typeof basic.fail>(TASKS, 'fail', { maxRetries: 0 });
  const results = await c.cluster.get(Array.from({ length: 20 }, (_, i) => square.remote(i)));
  expect(results[19]).toBe(361);
  await expect(c.cluster.get(fail.remote('kaput'))).rejects.toThrow(/kaput/);
  const counter = c.cluster.actor<typeof actors.Counter>(ACTORS, 'Counter').remote(5);
  expect(await c.cluster.get(counter.call('increment', 2))).toBe(7);

  await eventually(async () => (await tasks()).matching === 22, 20_000, 'the 22 tasks in the log');
  // The idle actor holds its CPU with no task running: the node says so instead of only "running 0".
  const status = (await (await fetch(`http://${c.local.httpAddress}/api/status`, { headers: { authorization: `Bearer ${c.local.token}` } })).json()) as ClusterStatus;
  expect(status.nodes.map((n) => n.holders?.actors ?? 0).reduce((a, b) => a + b, 0)).toBe(1);
  const shown = await convoy(['status', '--address', c.local.address]);
  expect(shown.stdout).toMatch(/running\s+actors/);
  await eventually(async () => (await convoy(['actors', '--address', c.local.address])).stdout.includes(counter.actorId), 20_000, 'the actor in convoy actors');
  const actorList = await convoy(['actors', '--address', c.local.address, '--state', 'alive']);
  expect(actorList.stdout).toMatch(new RegExp(`${counter.actorId}\\s+Counter\\s+alive`));
  const page = await tasks();
  const nodeIds = new Set(c.local.workers.map((w) => w.nodeId));
  expect(page.tasks.every((t) => nodeIds.has(t.nodeId) && t.jobId === '' && t.endedAt! >= t.startedAt!)).toBe(true);
  expect(page.byName).toEqual([
    { name: 'Counter.increment', counts: { finished: 1 } },
    { name: 'fail', counts: { failed: 1 } },
    { name: 'square', counts: { finished: 20 } },
  ]);
  const failed = await tasks('?state=failed');
  expect(failed.tasks).toHaveLength(1);
  expect(failed.tasks[0]).toMatchObject({ name: 'fail', state: 'failed', error: expect.stringContaining('kaput') });
  const paged = await tasks('?name=square&limit=15');
  expect([paged.tasks.length, paged.matching, typeof paged.next]).toEqual([15, 20, 'string']);
  expect((await tasks(`?name=square&limit=15&before=${paged.next}`)).tasks).toHaveLength(5);

  const listed = await convoy(['tasks', '--address', c.local.address, '--state', 'failed']);
  expect(listed.code, listed.stderr).toBe(0);
  expect(listed.stdout).toMatch(/1 matching task\(s\) of 22 kept/);
  expect(listed.stdout).toMatch(/fail\s+failed.*kaput/);

  const file = path.join(scratch, 'trace.json');
  const drawn = await convoy(['timeline', '--address', c.local.address, '-o', file]);
  expect(drawn.code, drawn.stderr).toBe(0);
  expect(drawn.stdout).toContain(`wrote 22 task(s) to ${file}`);
  const trace = JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: { ph: string; name: string; pid: number; tid: number; ts?: number; dur?: number }[] };
  const complete = trace.traceEvents.filter((e) => e.ph === 'X');
  expect(complete).toHaveLength(22);
  expect(complete.every((e) => Number.isFinite(e.ts) && e.dur! >= 0 && e.pid >= 1 && e.tid >= 1)).toBe(true);
  expect(new Set(trace.traceEvents.filter((e) => e.name === 'process_name').map((e) => e.pid)).size).toBeGreaterThanOrEqual(1);
});

it('refuses a bad query, a bad flag and a request without the token', { timeout: 60_000 }, async () => {
  const bad = await fetch(`http://${c.local.httpAddress}/api/tasks?state=exploded`, { headers: { authorization: `Bearer ${c.local.token}` } });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { error: string }).error).toMatch(/state must be one of/);
  for (const route of ['/api/tasks', '/api/timeline']) expect((await fetch(`http://${c.local.httpAddress}${route}`)).status).toBe(401);
  const flag = await convoy(['tasks', '--address', c.local.address, '--state', 'exploded']);
  expect(flag.code).toBe(2);
  expect(flag.stderr.trim()).toBe('convoy: --state must be one of running, finished, failed, lost, got "exploded"');
  const limit = await convoy(['tasks', '--address', c.local.address, '--limit', '0']);
  expect([limit.code, limit.stderr.trim()]).toEqual([2, 'convoy: --limit must be a whole number from 1 to 1000, got "0"']);
});
