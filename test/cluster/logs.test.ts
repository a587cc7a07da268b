// `convoy logs` against a real cluster: task output tagged by task and actor, node and head logs, the
// worker's ReadLog refusing what is not one of its files, the token, and the CLI's exit codes.
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../cluster/client/index.ts';
import { loadProtos, type WorkerServiceClient } from '../../cluster/proto/load.ts';
import { clientOptions } from '../../cluster/transport/grpc.ts';
import type { LogListing, TaskLogLine } from '../../cluster/api/head-api.ts';
import { eventually, startTestCluster, type TestCluster } from '../helpers/cluster.ts';
import type * as printing from '../fixtures/tasks/printing.ts';

const PRINTING = new URL('../fixtures/tasks/printing.ts', import.meta.url);
const CLI = path.resolve(import.meta.dirname, '../../bin/convoy.mjs');
const run = promisify(execFile);

let t: TestCluster;
let env: NodeJS.ProcessEnv;
let address: string;
beforeAll(async () => {
  // info, not the tests' usual warn: the head's and nodes' own logs must have lines to read.
  // A GPU declared on each worker (none needs to exist) so a GPU task runs in a trainer process.
  t = await startTestCluster({ workers: 2, cpusPerWorker: 1, gpusPerWorker: 1, logLevel: 'info' });
  env = { ...process.env, CONVOY_TOKEN: t.local.token };
  delete env.CONVOY_ADDRESS;
  address = `http://${t.local.httpAddress}`;
});
afterAll(async () => t?.stop());

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[]): Promise<CliResult> {
  return run(process.execPath, [CLI, ...args, '--address', address], { env, timeout: 90_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

const lines = (text: string) => text.split('\n').filter(Boolean);

describe('convoy logs', () => {
  it('finds what a task printed, stdout and stderr, under its own id only', async () => {
    const [alpha, beta] = (await t.cluster.get([t.cluster.task(PRINTING, 'shout').remote('alpha'), t.cluster.task(PRINTING, 'shoutLater').remote('beta')])) as string[];
    expect(alpha).toBeTruthy();
    const a = await cli(['logs', 'task', alpha!]);
    expect(a.code).toBe(0);
    expect(lines(a.stdout)).toEqual(['said alpha', 'warned alpha']);
    // One write with two lines is two lines, tagged with the task whose timer wrote them.
    const b = await cli(['logs', 'task', beta!, '--json']);
    const records = lines(b.stdout).map((l) => JSON.parse(l) as TaskLogLine);
    expect(records.map((r) => r.msg)).toEqual(['later beta', 'and again beta']);
    expect(new Set(records.map((r) => r.taskId))).toEqual(new Set([beta]));
    expect(records[0]).toMatchObject({ stream: 'stdout', level: 30 });
    expect(t.local.workers.map((w) => w.nodeId)).toContain(records[0]!.nodeId);
  });

  it("tags the lines of a job's tasks and actors with the job's id", async () => {
    // A driver under a job is a client whose CONVOY_JOB_ID is set (the job supervisor sets it).
    process.env.CONVOY_JOB_ID = 'job_logs_test';
    let driver: Awaited<ReturnType<typeof connect>> | undefined;
    try {
      driver = await connect(t.local.address, { token: t.local.token });
    } finally {
      delete process.env.CONVOY_JOB_ID;
    }
    try {
      const id = (await driver.get(driver.task<typeof printing.shout>(PRINTING, 'shout').remote('delta'))) as string;
      const parrot = driver.actor<typeof printing.Parrot>(PRINTING, 'Parrot').remote('macaw');
      await driver.get(parrot.call('say', 'hello'));
      const task = lines((await cli(['logs', 'task', id, '--json'])).stdout).map((l) => JSON.parse(l) as TaskLogLine);
      expect(task.map((r) => [r.msg, r.jobId])).toEqual([
        ['said delta', 'job_logs_test'],
        ['warned delta', 'job_logs_test'],
      ]);
      const actor = lines((await cli(['logs', 'actor', parrot.actorId, '--json'])).stdout).map((l) => JSON.parse(l) as TaskLogLine);
      expect(actor.map((r) => [r.msg, r.jobId])).toEqual([
        ['born macaw', 'job_logs_test'],
        ['macaw says hello', 'job_logs_test'],
      ]);
      parrot.kill();
    } finally {
      await driver.close();
    }
    // A driver of no job: no job id.
    const id = (await t.cluster.get(t.cluster.task<typeof printing.shout>(PRINTING, 'shout').remote('epsilon'))) as string;
    const plain = lines((await cli(['logs', 'task', id, '--json'])).stdout).map((l) => JSON.parse(l) as TaskLogLine);
    expect(plain).toHaveLength(2);
    expect(plain.every((r) => r.jobId === undefined)).toBe(true);
  });

  it("tags a GPU task's lines, printed in its node's trainer process", async () => {
    const id = (await t.cluster.get(t.cluster.task<typeof printing.shout>(PRINTING, 'shout', { gpu: 1, cpu: 0 }).remote('gamma'))) as string;
    const out = await cli(['logs', 'task', id, '--json']);
    const records = lines(out.stdout).map((l) => JSON.parse(l) as TaskLogLine);
    expect(records.map((r) => [r.msg, r.stream])).toEqual([
      ['said gamma', 'stdout'],
      ['warned gamma', 'stderr'],
    ]);
    // Not the worker's own pid: the trainer process wrote them.
    expect(t.local.workers.map((w) => w.pid)).not.toContain(records[0]!.pid);
  });

  it("tags an actor's lines with its id, and each method call's with the call's id, in a thread or a process", async () => {
    for (const isolation of ['thread', 'process'] as const) {
      const parrot = t.cluster.actor<typeof printing.Parrot>(PRINTING, 'Parrot', { isolation }).remote(`polly-${isolation}`);
      const callId = (await t.cluster.get(parrot.call('say', 'cracker'))) as string;
      await t.cluster.get(parrot.call('say', 'seed'));
      const all = await cli(['logs', 'actor', parrot.actorId]);
      expect(lines(all.stdout)).toEqual([`born polly-${isolation}`, `polly-${isolation} says cracker`, `polly-${isolation} says seed`]);
      const one = await cli(['logs', 'task', callId]);
      expect(lines(one.stdout)).toEqual([`polly-${isolation} says cracker`]);
      parrot.kill();
    }
  });

  it('follows an actor: lines printed after the follow began arrive while it runs', async () => {
    const parrot = t.cluster.actor<typeof printing.Parrot>(PRINTING, 'Parrot').remote('kea');
    await t.cluster.get(parrot.call('say', 'before'));
    const child = spawn(process.execPath, [CLI, 'logs', 'actor', parrot.actorId, '--follow', '--address', address], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      await eventually(() => out.includes('kea says before'), 60_000, 'the tail of the follow');
      await t.cluster.get(parrot.call('say', 'after'));
      await eventually(() => out.includes('kea says after'), 30_000, 'a line printed after the follow began');
      expect(lines(out)).toEqual(['born kea', 'kea says before', 'kea says after']);
    } finally {
      child.kill();
      parrot.kill();
    }
  });

  it('follows an actor onto a node that joins after the follow began', async () => {
    // Only the node added below offers `late`: the actor waits for it, and is made there.
    const owl = t.cluster.actor<typeof printing.Parrot>(PRINTING, 'Parrot', { cpu: 0, custom: { late: 1 } }).remote('owl');
    const child = spawn(process.execPath, [CLI, 'logs', 'actor', owl.actorId, '--follow', '--address', address], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    try {
      // The CLI says so once the head has answered: the tails are in, and the node below joins after.
      await eventually(() => err.includes('following new lines'), 60_000, `the follow to start (stderr: ${err})`);
      await t.local.addWorker({ numCpus: 1, resources: { late: 1 } });
      await t.cluster.get(owl.call('say', 'hoot'));
      await eventually(() => out.includes('owl says hoot'), 30_000, `the new node's lines (stderr: ${err})`);
      expect(lines(out)).toEqual(['born owl', 'owl says hoot']);
    } finally {
      child.kill();
      owl.kill();
    }
  });

  it("lists the head's and each node's logs and reads them, with --tail", async () => {
    const listing = JSON.parse((await cli(['logs', '--json'])).stdout) as LogListing;
    expect(listing.head.bytes).toBeGreaterThan(0);
    expect(listing.nodes.map((n) => n.nodeId).sort()).toEqual(t.local.workers.map((w) => w.nodeId).sort());
    for (const n of listing.nodes) expect(n.files.map((f) => f.name)).toEqual(['node', 'tasks']);
    const table = await cli(['logs']);
    expect(table.stdout).toMatch(/convoy logs head/);
    expect(table.stdout).toContain(`convoy logs node ${t.local.workers[0]!.nodeId}`);

    const head = await cli(['logs', 'head']);
    expect(head.stdout).toMatch(/"msg":"head started"/);
    expect(lines((await cli(['logs', 'head', '--tail', '2'])).stdout)).toHaveLength(2);
    const nodeId = t.local.workers[0]!.nodeId!;
    const node = lines((await cli(['logs', 'node', nodeId, '--tail', '50'])).stdout).map((l) => JSON.parse(l) as { msg: string; nodeId?: string });
    expect(node.some((l) => l.msg === 'state' && l.nodeId === nodeId)).toBe(true);
    // A unique prefix names the node, as for `convoy drain`.
    expect((await cli(['logs', 'node', nodeId.slice(0, nodeId.length - 2), '--tail', '1'])).code).toBe(0);
  });

  it('refuses requests without the token (401)', async () => {
    for (const p of ['/api/logs', '/api/logs/head', `/api/logs/nodes/${t.local.workers[0]!.nodeId}`, '/api/logs/tasks/x.1', '/api/logs/actors/x.1']) {
      expect((await fetch(address + p)).status).toBe(401);
      expect((await fetch(address + p, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    }
    const wrong = await run(process.execPath, [CLI, 'logs', 'head', '--address', address], { env: { ...env, CONVOY_TOKEN: 'wrong' } }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/refused the cluster token/);
  });

  it('says what is wrong with a bad or unknown id, a bad tail, or an unknown node, and exits non-zero', async () => {
    const unknownTask = await cli(['logs', 'task', 'c0ffee.999']);
    expect(unknownTask.code).toBe(1);
    expect(lines(unknownTask.stderr)).toEqual([expect.stringMatching(/^convoy: no output of task c0ffee\.999 on the \d+ live node\(s\): check the id/)]);
    const badId = await cli(['logs', 'task', '../../etc/passwd']);
    expect(badId.code).toBe(2);
    expect(badId.stderr).toMatch(/is not a task id/);
    const badTail = await cli(['logs', 'head', '--tail', 'lots']);
    expect(badTail.code).toBe(2);
    expect(badTail.stderr).toMatch(/--tail must be a whole number/);
    const unknownNode = await cli(['logs', 'node', 'node-nothere']);
    expect(unknownNode.code).toBe(1);
    expect(lines(unknownNode.stderr)).toEqual([expect.stringMatching(/no node matches "node-nothere".*convoy status/)]);
    const unknownJob = await cli(['logs', 'job', 'job_nothere']);
    expect(unknownJob.code).toBe(1);
    expect(unknownJob.stderr).toMatch(/no job job_nothere: `convoy job list`/);
    // The HTTP API checks the same, for callers other than the CLI.
    const auth = { headers: { authorization: `Bearer ${t.local.token}` } };
    expect((await fetch(`${address}/api/logs/tasks/${encodeURIComponent('a"b')}`, auth)).status).toBe(400);
    expect((await fetch(`${address}/api/logs/head?tail=-1`, auth)).status).toBe(400);
    expect((await fetch(`${address}/api/logs/nodes/${t.local.workers[0]!.nodeId}?file=..%2Fhead.log`, auth)).status).toBe(400);
  });

  it('says a dead node is gone and where its logs stay', async () => {
    const extra = await t.local.addWorker({ numCpus: 1 });
    extra.child.kill('SIGKILL');
    const dead = await eventually(async () => (await cli(['logs', 'node', extra.nodeId!])).stderr.includes('is dead'), 60_000, 'the head to see the node dead').then(
      () => cli(['logs', 'node', extra.nodeId!]),
    );
    expect(dead.code).toBe(1);
    expect(lines(dead.stderr)).toEqual([expect.stringMatching(new RegExp(`node ${extra.nodeId} is dead .*stay on its machine`))]);
  });
});

describe("a worker's ReadLog", () => {
  const worker = (token?: string) => {
    const { worker } = loadProtos();
    return new worker.convoy.v1.WorkerService(t.local.workers[0]!.address, grpc.credentials.createInsecure(), token ? clientOptions(token) : {}) as unknown as WorkerServiceClient;
  };
  const read = (c: WorkerServiceClient, request: Parameters<WorkerServiceClient['ReadLog']>[0]) =>
    new Promise<{ err?: grpc.ServiceError; lines: string[] }>((resolve) => {
      const got: string[] = [];
      const call = c.ReadLog(request);
      call.on('data', (m: { lines: string[] }) => got.push(...m.lines));
      call.on('error', (err: grpc.ServiceError) => resolve({ err, lines: got }));
      call.on('end', () => resolve({ lines: got }));
    });

  it('serves only its own files, by name, and needs the token', async () => {
    const c = worker(t.local.token);
    try {
      const last = await read(c, { name: 'node', tail: 1 });
      expect(last.lines).toHaveLength(1);
      expect(JSON.parse(last.lines[0]!)).toHaveProperty('msg');
      for (const name of ['../head.log', '/etc/passwd', 'node.log', '']) {
        expect((await read(c, { name })).err?.code).toBe(grpc.status.INVALID_ARGUMENT);
      }
      expect((await read(c, { name: 'tasks', taskId: '"x' })).err?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect((await read(c, { name: 'node', taskId: 'c.1' })).err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    } finally {
      c.close();
    }
    const anonymous = worker();
    try {
      expect((await read(anonymous, { name: 'node' })).err?.code).toBe(grpc.status.UNAUTHENTICATED);
      const listed = await new Promise<grpc.ServiceError | null>((resolve) => anonymous.ListLogs({}, (e) => resolve(e)));
      expect(listed?.code).toBe(grpc.status.UNAUTHENTICATED);
    } finally {
      anonymous.close();
    }
  });
});
