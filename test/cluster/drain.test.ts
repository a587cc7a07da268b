/**
 * `convoy drain` on real processes: a head, a worker B that stays, and for each test a worker A that is
 * drained while it runs tasks (and an actor's call) that go on until the test writes their marker file, so
 * what runs when is the test's choice, not the machine's speed. The running work finishes and delivers, nothing new
 * lands on A, A exits 0, and the head lists it dead with reason "drained"; past a deadline A's task is
 * stopped and retried on B. Then the CLI end to end, and its errors.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeStatus, ClusterStatus } from '../../cluster/api/head-api.ts';
import type { ProcessInfo } from '../../cluster/client/embedded.ts';
import { startTestCluster, TASKS, eventually, type TestCluster } from '../helpers/cluster.ts';
import type * as basic from '../fixtures/tasks/basic.ts';
import type * as actors from '../fixtures/tasks/actors.ts';

const ACTORS = new URL('../fixtures/tasks/actors.ts', import.meta.url);
const CLI = path.resolve(import.meta.dirname, '../../bin/convoy.mjs');
const run = promisify(execFile);

let t: TestCluster;
let b: ProcessInfo;
const markers = mkdtempSync(path.join(os.tmpdir(), 'convoy-drain-'));
/** A file that does not exist yet: tasks given it run until the test writes it. */
const marker = (name: string) => path.join(markers, name);

beforeAll(async () => {
  t = await startTestCluster({ workers: 1, cpusPerWorker: 1 });
  b = t.local.workers[0]!;
}, 120_000);
afterAll(async () => {
  await t?.stop();
  rmSync(markers, { recursive: true, force: true });
});

async function http<T>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`http://${t.local.httpAddress}${route}`, {
    method,
    headers: { authorization: `Bearer ${t.local.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as T };
}

const nodeStatus = async (nodeId: string) => (await http<ClusterStatus>('GET', '/api/status')).body.nodes.find((n) => n.nodeId === nodeId);

/** The exit code of a worker process, waiting for it to exit. */
async function exitCode(w: ProcessInfo): Promise<number | null> {
  if (w.child.exitCode === null && w.child.signalCode === null) await once(w.child, 'exit');
  return w.child.exitCode;
}

/** Waits until every given node runs at least one task. */
async function running(...nodeIds: string[]): Promise<void> {
  await eventually(async () => {
    const s = await t.cluster.status();
    return nodeIds.every((id) => (s.nodes.find((n) => n.nodeId === id)?.runningTasks ?? 0) > 0);
  }, 60_000, `tasks running on ${nodeIds.join(', ')}`);
}

describe('draining a node', () => {
  it('lets running tasks and actor calls finish, sends nothing new there, then the worker exits 0 and is listed dead, drained', { timeout: 180_000 }, async () => {
    const a = await t.local.addWorker({ numCpus: 1, resources: { pinA: 1 } });
    const { cluster } = t;
    const counter = cluster.actor<typeof actors.Counter>(ACTORS, 'Counter', { custom: { pinA: 1 } }).remote();
    expect(await cluster.get(counter.call('env', 'CONVOY_NODE_ID'))).toBe(a.nodeId);

    // One task on each node (each has one CPU) and an actor call on A, all running until the test says.
    const tasksGo = marker('tasks');
    const actorGoes = marker('actor');
    const untilFile = cluster.task<typeof basic.untilFile>(TASKS, 'untilFile');
    const long = [0, 1].map((i) => untilFile.remote(tasksGo, `long-${i}`));
    await running(a.nodeId!, b.nodeId!);
    const call = counter.call('untilFile', actorGoes);

    const drain = await http<NodeStatus>('POST', `/api/nodes/${a.nodeId}/drain`);
    expect(drain.status).toBe(200);
    expect(drain.body).toMatchObject({ nodeId: a.nodeId, state: 'draining', drain: { reason: 'convoy drain', leasesLeft: 1 } });
    // Work submitted after the drain goes to B only.
    const sleepWhere = cluster.task<typeof basic.sleepWhere>(TASKS, 'sleepWhere');
    const later = Array.from({ length: 6 }, (_, i) => sleepWhere.remote(100, `later-${i}`));

    writeFileSync(tasksGo, '');
    const done = await cluster.get(long);
    expect(done.map((d) => d.value)).toEqual(['long-0', 'long-1']);
    expect(done.map((d) => d.nodeId).sort()).toEqual([a.nodeId, b.nodeId].sort());
    const laterDone = await cluster.get(later);
    expect(laterDone.map((d) => d.value)).toEqual(later.map((_, i) => `later-${i}`));
    expect(laterDone.every((d) => d.nodeId === b.nodeId)).toBe(true);

    // A's lease is back, but its actor's call still runs: A waits for it.
    await eventually(async () => (await nodeStatus(a.nodeId!))?.drain?.leasesLeft === 0, 30_000, "A's lease back");
    expect((await nodeStatus(a.nodeId!))?.state).toBe('draining');
    expect(a.child.exitCode).toBeNull();
    writeFileSync(actorGoes, '');
    expect(await cluster.get(call)).toBe(a.nodeId);

    expect(await exitCode(a)).toBe(0);
    await eventually(async () => (await nodeStatus(a.nodeId!))?.state === 'dead', 30_000, 'A listed dead');
    expect(await nodeStatus(a.nodeId!)).toMatchObject({ state: 'dead', deadReason: 'drained' });
    expect((await nodeStatus(b.nodeId!))?.state).toBe('alive');
    // The cluster goes on without A.
    expect((await cluster.get(sleepWhere.remote(0, 'after'))).nodeId).toBe(b.nodeId);
  });

  it('stops what still runs at the deadline: the task is retried on another node, and the worker still exits 0', { timeout: 180_000 }, async () => {
    const a = await t.local.addWorker({ numCpus: 1 });
    const { cluster } = t;
    const go = marker('deadline');
    const untilFile = cluster.task<typeof basic.untilFile>(TASKS, 'untilFile', { maxRetries: 2 });
    const refs = [0, 1].map((i) => untilFile.remote(go, i));
    await running(a.nodeId!, b.nodeId!);
    const drain = await http<NodeStatus>('POST', `/api/nodes/${a.nodeId}/drain`, { deadlineS: 0.5, reason: 'test deadline' });
    expect(drain.body).toMatchObject({ state: 'draining', drain: { reason: 'test deadline' } });
    expect(drain.body.drain!.deadline).toBeGreaterThan(drain.body.drain!.since);
    // A's task never finishes on its own: the deadline stops it, and A goes.
    expect(await exitCode(a)).toBe(0);
    await eventually(async () => (await nodeStatus(a.nodeId!))?.state === 'dead', 30_000, 'A listed dead');
    expect((await nodeStatus(a.nodeId!))?.deadReason).toMatch(/^drained: 1 task\(s\) or actor call\(s\) still running were stopped/);
    writeFileSync(go, '');
    const done = await cluster.get(refs);
    expect(done.map((d) => d.value)).toEqual([0, 1]);
    // A's task ran again on B.
    expect(done.every((d) => d.nodeId === b.nodeId)).toBe(true);
  });

  it('refuses an unknown node (404), an ambiguous prefix (409) and a bad body (400), each naming the problem', { timeout: 60_000 }, async () => {
    const unknown = await http<{ error: string }>('POST', '/api/nodes/no-such-node/drain');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatch(/no node matches "no-such-node".*convoy status/);
    const bad = await http<{ error: string }>('POST', `/api/nodes/${b.nodeId}/drain`, { deadline: 3 });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/deadline/);
    const negative = await http<{ error: string }>('POST', `/api/nodes/${b.nodeId}/drain`, { deadlineS: -1 });
    expect(negative.status).toBe(400);
    expect((await nodeStatus(b.nodeId!))?.state).toBe('alive');
  });
});

describe('convoy drain', () => {
  const env = { ...process.env, CONVOY_TOKEN: '' };
  const cli = (args: string[]) =>
    run(process.execPath, [CLI, ...args, '--address', t.local.address], { env: { ...env, CONVOY_TOKEN: t.local.token }, timeout: 120_000 }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );

  it('drains a node named by its address, showing what is left, and says when it is gone', { timeout: 180_000 }, async () => {
    const a = await t.local.addWorker({ numCpus: 1, resources: { pinC: 1 } });
    const go = marker('cli');
    const untilFile = t.cluster.task<typeof basic.untilFile>(TASKS, 'untilFile', { custom: { pinC: 1 } });
    const ref = untilFile.remote(go, 'cli');
    await running(a.nodeId!);

    // Two live nodes share the "node-" prefix: ambiguous, nothing drained.
    const ambiguous = await cli(['drain', 'node-']);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr.trim().split('\n')).toHaveLength(1);
    expect(ambiguous.stderr).toMatch(/"node-" matches 2 nodes .*convoy status/);

    const waiting = cli(['drain', a.address]);
    await eventually(async () => (await nodeStatus(a.nodeId!))?.state === 'draining', 60_000, 'A draining');
    writeFileSync(go, '');
    const drained = await waiting;
    expect(drained.code).toBe(0);
    expect(drained.stdout).toMatch(new RegExp(`node ${a.nodeId} \\(${a.address}\\) draining: \\d+ running task\\(s\\)`));
    expect(drained.stdout.trim().split('\n').at(-1)).toBe(`node ${a.nodeId} drained`);
    expect((await t.cluster.get(ref)).nodeId).toBe(a.nodeId);
    expect(await exitCode(a)).toBe(0);

    // Draining it again says it is drained; an unknown node and a bad deadline fail with one line each.
    expect((await cli(['drain', a.nodeId!])).stdout.trim()).toBe(`node ${a.nodeId} drained`);
    const unknown = await cli(['drain', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(/^convoy: .*no node matches "nope".*convoy status/);
    const badDeadline = await cli(['drain', b.nodeId!, '--deadline', 'soon']);
    expect(badDeadline.code).toBe(2);
    expect(badDeadline.stderr).toMatch(/--deadline must be a number of seconds/);
    expect((await nodeStatus(b.nodeId!))?.state).toBe('alive');
  });
});
