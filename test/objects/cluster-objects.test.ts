import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectLostError, connect, type Cluster, type ObjectRef } from '../../cluster/client/index.ts';
import { loadProtos, type HeadServiceClient } from '../../cluster/proto/load.ts';
import { clientOptions } from '../../cluster/transport/grpc.ts';
import { startTestCluster, eventually, type TestCluster } from '../helpers/cluster.ts';
import * as objects from '../fixtures/tasks/objects.ts';

const OBJ = new URL('../fixtures/tasks/objects.ts', import.meta.url);
const MiB = 1024 * 1024;
let t: TestCluster;
let cluster: Cluster;
let nodeA: string;
let nodeB: string;

/** Where the head's directory says an object lives. */
async function locate(id: string): Promise<string[]> {
  const { head } = loadProtos();
  const c = new head.convoy.v1.HeadService(t.local.address, grpc.credentials.createInsecure(), clientOptions(t.local.token)) as unknown as HeadServiceClient;
  try {
    return await new Promise((resolve, reject) =>
      c.GetObjectLocations({ objectIds: [id] }, (err, res) => (err ? reject(err) : resolve(res!.locations.map((l) => l.nodeId)))),
    );
  } finally {
    c.close();
  }
}

/**
 * The nodes holding an object once the head's directory lists at least `atLeast` of them: nodes report
 * copies to the head in batches, so a client can see a result before the directory does.
 */
async function holders(id: string, atLeast = 1): Promise<string[]> {
  let where: string[] = [];
  await eventually(async () => (where = await locate(id)).length >= atLeast, 10_000, `the head to list ${atLeast} holder(s) of ${id}`);
  return where;
}

beforeAll(async () => {
  t = await startTestCluster({ workers: 0 });
  cluster = t.cluster;
  nodeA = (await t.local.addWorker({ numCpus: 1, resources: { a: 1 } })).nodeId!;
  nodeB = (await t.local.addWorker({ numCpus: 1, resources: { b: 1 } })).nodeId!;
});
afterAll(async () => t?.stop());

describe('objects across nodes', () => {
  it('reads a 200 MB Arrow table made on one node in a task on another, byte-identical', async () => {
    const rows = Math.ceil((200 * MiB) / 12);
    const build = cluster.task<typeof objects.buildTable>(OBJ, 'buildTable', { custom: { a: 1 } });
    const check = cluster.task<typeof objects.checksum>(OBJ, 'checksum', { custom: { b: 1 } });
    const table = build.remote(rows, 42);
    const remote = await cluster.get(check.remote(table));
    expect(remote).toBe(objects.checksum(objects.buildTable(rows, 42)));
    expect((await holders(table.id, 2)).sort()).toEqual([nodeA, nodeB].sort()); // primary on A, a pulled copy on B
    cluster.free(table);
    await eventually(async () => (await locate(table.id)).length === 0, 10_000, 'copies freed');
  });

  it('shares a table built in one thread with a task in another thread of the node without copying its columns', async () => {
    const rows = 1_000_000;
    const put = cluster.task<typeof objects.putTable>(OBJ, 'putTable', { custom: { a: 1 } });
    const inspect = cluster.task<typeof objects.columnMemory>(OBJ, 'columnMemory', { custom: { a: 1 } });
    const ref = (await cluster.get(put.remote(rows, 3))) as unknown as ObjectRef<ReturnType<typeof objects.buildTable>>;
    const seen = await cluster.get(inspect.remote(ref));
    expect(seen.shared).toBe(true); // the column is a view of the store's SharedArrayBuffer...
    expect(seen.columnBytes).toBe(rows * 8);
    expect(seen.bufferBytes).toBeGreaterThan(rows * 12); // ...which holds the whole object, not a per-column copy
    const sum = cluster.task<typeof objects.checksum>(OBJ, 'checksum', { custom: { b: 1 } });
    expect(await cluster.get(sum.remote(ref))).toBe(objects.checksum(objects.buildTable(rows, 3)));
  });

  it('stores a put() whose driver then keeps its event loop busy for longer than a call deadline', async () => {
    // A fresh client has no worker connection yet, so its first put asks the head for a node (a call with a
    // 10 s deadline). Drivers build and put values in synchronous loops: that time is not the head's.
    await using fresh = await connect(t.local.address, { token: t.local.token });
    const ref = fresh.put(objects.bytes(2 * MiB, 11));
    const busyUntil = Date.now() + 11_000;
    while (Date.now() < busyUntil); // the driver's own synchronous work
    expect(objects.sha(await fresh.get(ref))).toBe(objects.sha(objects.bytes(2 * MiB, 11)));
  });

  it('frees an object everywhere once its last ObjectRef is garbage-collected', async () => {
    const make = cluster.task<typeof objects.bytes>(OBJ, 'bytes', { custom: { a: 1 } });
    let ref: ObjectRef<Uint8Array> | undefined = make.remote(2 * MiB, 1);
    await cluster.wait([ref]);
    const id = ref.id;
    expect(await holders(id)).toEqual([nodeA]);
    ref = undefined;
    await eventually(
      async () => {
        (globalThis as { gc?: () => void }).gc?.();
        return (await locate(id)).length === 0;
      },
      20_000,
      'the GC to free the object',
    );
  });
});

describe('reusing store memory', () => {
  /** Node A's store counters from the head's memory report (what `convoy memory --json` prints). */
  async function storeStats(nodeId: string) {
    const res = await fetch(`http://${t.local.httpAddress}/api/memory`, { headers: { authorization: `Bearer ${t.local.token}` } });
    const report = (await res.json()) as { nodes: { nodeId: string; stats: { reusedBuffers: number; freshBuffers: number; lentBuffers: number } }[] };
    return report.nodes.find((n) => n.nodeId === nodeId)!.stats;
  }

  it("reuses a freed object's memory for the next object of its size, never memory a task still holds", { timeout: 120_000 }, async () => {
    const on = { custom: { a: 1 } };
    const build = cluster.task<typeof objects.buildTable>(OBJ, 'buildTable', on);
    const check = cluster.task<typeof objects.checksum>(OBJ, 'checksum', on);
    const rows = Math.ceil((8 * MiB) / 12);
    // Node A has one CPU, so one pool thread: it keeps the first table in a global, as a cache would.
    const first = build.remote(rows, 1);
    const keptSum = await cluster.get(cluster.task<typeof objects.keepTable>(OBJ, 'keepTable', on).remote(first));
    expect(keptSum).toBe(objects.checksum(objects.buildTable(rows, 1)));
    cluster.free(first);
    const before = await storeStats(nodeA);
    // Objects of the same size come and go (results written into lent memory, read by a task, freed) until
    // the node serves one from reused memory.
    for (let seed = 2; (await storeStats(nodeA)).reusedBuffers === before.reusedBuffers; seed++) {
      if (seed > 40) throw new Error('no buffer was reused after 40 objects of one size');
      const r = build.remote(rows, seed);
      expect(await cluster.get(check.remote(r))).toBe(objects.checksum(objects.buildTable(rows, seed)));
      cluster.free(r);
      await new Promise((res) => setTimeout(res, 100));
    }
    // Six more at once take every buffer the pool holds: had the kept table's memory been taken back, one of
    // them would now be written over it. It reads exactly as it did.
    const many = Array.from({ length: 6 }, (_, i) => build.remote(rows, 100 + i));
    await cluster.wait(many, { numReturns: many.length });
    expect(await cluster.get(cluster.task<typeof objects.keptChecksum>(OBJ, 'keptChecksum', on).remote())).toBe(keptSum);
    cluster.free(many);
  });
});

describe('spilling in a real worker', () => {
  let s: TestCluster;
  afterAll(async () => s?.stop());

  // Eight times the store's memory, in objects of its size: every path (spill, restore, transfer, free) at a
  // size a busy 2-core machine moves in seconds (512 MB in all took 27 s alone, minutes beside the suite).
  const budget = 8 * MiB;
  it('holds 8 times its memory (64 MB in an 8 MB store), gives every object back intact, and leaves memory and spill folder empty after free', { timeout: 240_000 }, async () => {
    s = await startTestCluster({ workers: 1, cpusPerWorker: 1, objectStoreMemory: budget });
    const c = s.cluster;
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    const refs: ObjectRef<Float64Array>[] = [];
    const sums: string[] = [];
    for (let i = 0; i < 8; i++) {
      const v = new Float64Array(budget / 8);
      for (let j = 0; j < v.length; j++) v[j] = j * (i + 1);
      sums.push(sha(new Uint8Array(v.buffer)));
      refs.push(c.put(v));
    }
    await c.wait(refs, { numReturns: refs.length });
    const nodeId = s.local.workers[0]!.nodeId!;
    const spillDir = path.join(os.tmpdir(), 'convoy', `worker-${nodeId}`, 'spill');
    const mem = async () =>
      ((await (await fetch(`http://${s.local.httpAddress}/api/memory`, { headers: { authorization: `Bearer ${s.local.token}` } })).json()) as {
        nodes: { stats: { usedBytes: number; spilledBytes: number; objects: number; budgetBytes: number } }[];
      }).nodes[0]!.stats;
    await eventually(async () => (await mem()).spilledBytes >= 7 * budget, 90_000, 'spilling');
    const st = await mem();
    expect(st.usedBytes).toBeLessThanOrEqual(budget);
    expect(readdirSync(spillDir).length).toBeGreaterThanOrEqual(7);

    // `convoy memory --json` shows the same from the command line.
    const cli = await promisify(execFile)(process.execPath, [path.resolve(import.meta.dirname, '../../bin/convoy.mjs'), 'memory', '--json', '--address', s.local.address], {
      env: { ...process.env, CONVOY_TOKEN: s.local.token },
    });
    const report = JSON.parse(cli.stdout) as { nodes: { nodeId: string; stats: { spilledBytes: number }; objects: { place: string }[] }[] };
    expect(report.nodes[0]!.nodeId).toBe(nodeId);
    expect(report.nodes[0]!.stats.spilledBytes).toBeGreaterThanOrEqual(7 * budget);
    expect(report.nodes[0]!.objects.filter((o) => o.place === 'disk').length).toBeGreaterThanOrEqual(7);

    const echo = c.task<(x: Float64Array) => Float64Array>(new URL('../fixtures/tasks/basic.ts', import.meta.url), 'echo');
    for (let i = 0; i < 8; i++) {
      const back = await c.get(refs[i]!); // fetched from the store, restored from disk as needed
      expect(sha(new Uint8Array(back.buffer, back.byteOffset, back.byteLength))).toBe(sums[i]);
    }
    const echoed = echo.remote(refs[0]!);
    const viaTask = await c.get(echoed);
    expect(sha(new Uint8Array(viaTask.buffer, viaTask.byteOffset, viaTask.byteLength))).toBe(sums[0]);

    c.free([...refs, echoed]);
    await eventually(async () => (await mem()).objects === 0, 60_000, 'objects freed');
    expect(await mem()).toMatchObject({ usedBytes: 0, spilledBytes: 0 });
    await eventually(async () => !existsSync(spillDir) || readdirSync(spillDir).length === 0, 10_000, 'spill files deleted');
  });
});

describe('lineage', () => {
  it("rebuilds a SIGKILLed worker's object for a dependent task by re-running the task that made it", async () => {
    const make = cluster.task<typeof objects.bytes>(OBJ, 'bytes', { maxRetries: 2 });
    const sha = cluster.task<typeof objects.sha>(OBJ, 'sha');
    const ref = make.remote(3 * MiB, 9);
    await cluster.wait([ref]);
    const [holder] = await holders(ref.id);
    const victim = t.local.workers.find((w) => w.nodeId === holder)!;
    // Keep a node that can run tasks of any kind, then take the holder down.
    await t.local.addWorker({ numCpus: 1, resources: { a: 1, b: 1 } });
    victim.child.kill('SIGKILL');
    await eventually(async () => (await cluster.status()).nodes.some((n) => n.nodeId === holder && n.state === 'dead'));
    expect(await cluster.get(sha.remote(ref))).toBe(objects.sha(objects.bytes(3 * MiB, 9)));
    const where = await locate(ref.id);
    expect(where.length).toBeGreaterThan(0);
    expect(where).not.toContain(holder);
  });

  it('fails with ObjectLostError for a lost object whose task may not run again, or that came from put()', async () => {
    const make = cluster.task<typeof objects.bytes>(OBJ, 'bytes', { maxRetries: 0 });
    const once = make.remote(1 * MiB, 5);
    await cluster.wait([once]);
    const [holder] = await holders(once.id);
    await t.local.addWorker({ numCpus: 1, resources: { a: 1, b: 1 } });
    t.local.workers.find((w) => w.nodeId === holder)!.child.kill('SIGKILL');
    await eventually(async () => (await cluster.status()).nodes.some((n) => n.nodeId === holder && n.state === 'dead'));
    const err = await cluster.get(once).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObjectLostError);
    expect((err as Error).message).toMatch(/died.*cannot run again.*maxRetries: 0/);

    const put = cluster.put(objects.bytes(512 * 1024, 1));
    await cluster.wait([put]);
    const [putHolder] = await holders(put.id);
    await t.local.addWorker({ numCpus: 1, resources: { a: 1, b: 1 } });
    t.local.workers.find((w) => w.nodeId === putHolder)!.child.kill('SIGKILL');
    await eventually(async () => (await cluster.status()).nodes.some((n) => n.nodeId === putHolder && n.state === 'dead'));
    await expect(cluster.get(put)).rejects.toThrow(/created by put\(\), so no task can rebuild it/);
  });
});
