import { createHash, randomFillSync } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, ObjectLostError, type Cluster } from '../../cluster/client/index.ts';
import { createLogger } from '../../cluster/common/logger.ts';
import { loadProtos, type WorkerServiceClient } from '../../cluster/proto/load.ts';
import { clientOptions } from '../../cluster/transport/grpc.ts';
import { DataPlaneClient, fetchObjectFast } from '../../cluster/transport/data-plane-client.ts';
import { encodeRequest, decodeResponseHeader, encodeResponseHeader, RESPONSE_HEADER_BYTES } from '../../cluster/transport/data-plane-wire.ts';
import { ObjectStore } from '../../cluster/objects/object-store.ts';
import { ObjectTransfer } from '../../cluster/objects/transfer.ts';
import { startTestCluster, eventually, type TestCluster } from '../helpers/cluster.ts';
import * as objects from '../fixtures/tasks/objects.ts';

const MiB = 1024 * 1024;
const TOKEN = 'data-plane-test-token';
const OBJ = new URL('../fixtures/tasks/objects.ts', import.meta.url);
const log = createLogger({ level: 'silent' });
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const noGrpc = () => Promise.reject(new Error('the gRPC fallback was used; the data plane should have answered'));

function random(size: number): Uint8Array {
  const b = new Uint8Array(new SharedArrayBuffer(size));
  for (let off = 0; off < size; off += 65536) randomFillSync(b.subarray(off, Math.min(size, off + 65536)));
  return b;
}

/** A node's store and transfer service, in this process, serving on a real loopback port. */
async function node(name: string) {
  const spillDir = path.join(await mkdtemp(path.join(os.tmpdir(), `convoy-dp-${name}-`)), 'spill');
  const store = new ObjectStore({ budgetBytes: 512 * MiB, spillDir });
  const transfer = new ObjectTransfer(store, TOKEN, undefined, log);
  const port = (await transfer.listen('127.0.0.1', 0, name))!;
  const loc = (objectId: string, size: number) => ({ objectId, nodeId: name, transferAddress: '127.0.0.1:1', dataAddress: `127.0.0.1:${port}`, size });
  return { store, transfer, port, loc, close: async () => (await transfer.close(), await store.close()) };
}

/** Sends raw bytes to a port and collects everything it answers until it closes the connection. */
function exchange(port: number, request: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.connect({ port, host: '127.0.0.1' }, () => s.write(request));
    s.on('data', (c) => chunks.push(c));
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

describe('the data plane, between two nodes in this process', () => {
  let a: Awaited<ReturnType<typeof node>>;
  let b: Awaited<ReturnType<typeof node>>;
  beforeAll(async () => {
    a = await node('A');
    b = await node('B');
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('refuses a connection without the token or with a wrong one, closes it, and serves nothing', async () => {
    const secret = random(4 * MiB);
    a.store.put('secret', secret, 'o');
    const before = a.transfer.stats();
    const noToken = Buffer.from(JSON.stringify({ objectId: 'secret', offset: 0 }));
    const header = Buffer.alloc(12);
    header.writeUInt32BE(0x43564431, 0);
    header[4] = 1;
    header.writeUInt32BE(noToken.byteLength, 8);
    for (const request of [Buffer.concat([header, noToken]), encodeRequest('get', { token: 'not-the-token', objectId: 'secret', offset: 0 })]) {
      const reply = await exchange(a.port, request); // resolves only once the node closed the connection
      const h = decodeResponseHeader(reply, 'A');
      expect(h.status).toBe('unauthorized');
      expect(reply.byteLength).toBe(RESPONSE_HEADER_BYTES + h.bodyBytes); // a message, not the object
      expect(reply.byteLength).toBeLessThan(1024);
      expect(reply.toString('utf8', RESPONSE_HEADER_BYTES)).toMatch(/cluster token/);
    }
    // Something that is not the protocol at all is dropped without an answer.
    expect((await exchange(a.port, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))).byteLength).toBe(0);
    const after = a.transfer.stats();
    expect(after.unauthorized - before.unauthorized).toBe(2);
    expect(after.served).toBe(before.served);
    // Through the client, a wrong token is an AuthError (not a lost object to rebuild).
    const wrong = new DataPlaneClient({ token: 'not-the-token' });
    await expect(fetchObjectFast(wrong, a.loc('secret', secret.byteLength), (n) => new Uint8Array(n), noGrpc)).rejects.toBeInstanceOf(AuthError);
    wrong.close();
  });

  it('says nothing before the token check: a bad op, an oversized length or invalid JSON just closes the socket', async () => {
    a.store.put('quiet', random(1024), 'o');
    const frame = (op: number, json: Buffer, declared = json.byteLength) => {
      const header = Buffer.alloc(12);
      header.writeUInt32BE(0x43564431, 0);
      header[4] = op;
      header.writeUInt32BE(declared, 8);
      return Buffer.concat([header, json]);
    };
    const tokenless = Buffer.from(JSON.stringify({ objectId: 'quiet', offset: 0 }));
    const before = a.transfer.stats();
    for (const request of [
      frame(9, tokenless), // no such op
      frame(1, tokenless, 0xffffffff), // a length past the request limit
      frame(1, Buffer.from('{"token": "x", objectId')), // not JSON
      frame(9, Buffer.from(JSON.stringify({ token: TOKEN, objectId: 'quiet' }))), // even with the token, a bad op is not answered
    ]) {
      expect((await exchange(a.port, request)).byteLength).toBe(0); // resolves once the node closed the connection
    }
    expect(a.transfer.stats().served).toBe(before.served);
    // The node still serves a well-formed request afterwards.
    const client = new DataPlaneClient({ token: TOKEN });
    expect((await client.fetch(`127.0.0.1:${a.port}`, 'quiet', (n) => new Uint8Array(n))).byteLength).toBe(1024);
    client.close();
  });

  it('pulls a large object byte-identical, and two concurrent pulls of it make one transfer', async () => {
    const big = random(96 * MiB);
    a.store.put('big', big, 'o');
    const served = a.transfer.stats().served;
    const pulls = b.transfer.stats().pulls;
    await Promise.all([b.transfer.pull(a.loc('big', big.byteLength)), b.transfer.pull(a.loc('big', big.byteLength))]);
    const x = b.store.get('big')!;
    expect(sha(x)).toBe(sha(big));
    expect(a.transfer.stats().served - served).toBe(1);
    expect(b.transfer.stats().pulls - pulls).toBe(1);
    // Now B holds a copy: a third pull is local.
    await b.transfer.pull(a.loc('big', big.byteLength));
    expect(b.store.get('big')).toBe(x);
    expect(a.transfer.stats().served - served).toBe(1);
  });

  it('serves from an offset, uploads, and answers not-found for an object it does not hold', async () => {
    const obj = random(3 * MiB + 17);
    a.store.put('o1', obj, 'o');
    const client = new DataPlaneClient({ token: TOKEN });
    try {
      const tail = await client.fetch(`127.0.0.1:${a.port}`, 'o1', (n) => new Uint8Array(n), MiB);
      expect(sha(tail.subarray(MiB))).toBe(sha(obj.subarray(MiB)));
      await client.put(`127.0.0.1:${b.port}`, 'up', 'driver-1', obj);
      expect(sha(b.store.get('up')!)).toBe(sha(obj));
      expect(b.store.list().find((o) => o.id === 'up')!.owner).toBe('driver-1');
      const missing = fetchObjectFast(client, a.loc('nowhere', 10), (n) => new Uint8Array(n), noGrpc);
      await expect(missing).rejects.toBeInstanceOf(ObjectLostError);
      await expect(missing).rejects.toThrow(/node A no longer holds it/);
    } finally {
      client.close();
    }
  });

  it('turns a transfer cut short into ObjectLostError naming the node, and stores nothing', async () => {
    // A node that announces 8 MiB, sends half, and dies.
    const server = net.createServer((s) =>
      s.once('data', () => {
        s.write(encodeResponseHeader('ok', 8 * MiB, 8 * MiB));
        s.write(Buffer.alloc(4 * MiB, 7), () => s.destroy());
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const loc = { objectId: 'cut', nodeId: 'node-dying', transferAddress: '127.0.0.1:1', dataAddress: `127.0.0.1:${port}`, size: 8 * MiB };
    try {
      const pull = b.transfer.pull(loc);
      await expect(pull).rejects.toBeInstanceOf(ObjectLostError);
      await expect(pull).rejects.toThrow(/node-dying.*cut short/);
      expect(b.store.has('cut')).toBe(false);
    } finally {
      server.close();
    }
  });

  it('opens no data port on a TLS cluster (objects keep to the encrypted gRPC channel)', async () => {
    const spillDir = path.join(await mkdtemp(path.join(os.tmpdir(), 'convoy-dp-tls-')), 'spill');
    const store = new ObjectStore({ budgetBytes: 64 * MiB, spillDir });
    const transfer = new ObjectTransfer(store, TOKEN, { cert: 'PEM', key: 'PEM', ca: 'PEM' }, log);
    expect(await transfer.listen('127.0.0.1', 0, 'tls-node')).toBeUndefined();
    await transfer.close();
    await store.close();
  });

  it('falls back to gRPC when the data port cannot be reached', async () => {
    const client = new DataPlaneClient({ token: TOKEN, connectTimeoutMs: 1000 });
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const loc = { objectId: 'x', nodeId: 'n', transferAddress: '127.0.0.1:1', dataAddress: `127.0.0.1:${port}`, size: 1 };
    const viaGrpc = new Uint8Array([42]);
    expect(await fetchObjectFast(client, loc, (n) => new Uint8Array(n), async () => viaGrpc)).toBe(viaGrpc);
    expect(client.mayReach(loc.dataAddress)).toBe(false); // not tried again for a while
    client.close();
  });
});

describe('the data plane in a real cluster', () => {
  let t: TestCluster;
  let cluster: Cluster;
  afterEach(async () => t?.stop());

  /** The lines of a worker's log that record objects served over the data plane. */
  const servedLines = (pid: number) => {
    const file = path.join(t.local.sessionDir, 'logs', `worker-${pid}.log`);
    return readdirSync(path.dirname(file)).includes(path.basename(file))
      ? readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('object served over the data plane'))
      : [];
  };

  it('moves a large object node to node and to the driver over the data plane, byte-identical', { timeout: 120_000 }, async () => {
    t = await startTestCluster({ workers: 0, logLevel: 'debug' });
    cluster = t.cluster;
    const a = await t.local.addWorker({ numCpus: 1, resources: { a: 1 } });
    await t.local.addWorker({ numCpus: 1, resources: { b: 1 } });
    const size = 48 * MiB;
    const make = cluster.task<typeof objects.bytes>(OBJ, 'bytes', { custom: { a: 1 } });
    const hash = cluster.task<typeof objects.sha>(OBJ, 'sha', { custom: { b: 1 } });
    const ref = make.remote(size, 5);
    const expected = sha(objects.bytes(size, 5));
    expect(await cluster.get(hash.remote(ref))).toBe(expected); // B pulled it from A
    expect(sha(await cluster.get(ref))).toBe(expected); // the driver fetched it from A
    await eventually(() => servedLines(a.pid).filter((l) => l.includes(ref.id)).length === 2, 10_000, 'two data-plane transfers in A’s log');
  });

  it('retries a task whose argument was cut off by the serving node dying mid-transfer', { timeout: 180_000 }, async () => {
    t = await startTestCluster({ workers: 0 });
    cluster = t.cluster;
    const a1 = await t.local.addWorker({ numCpus: 1, resources: { a: 1 } });
    const b = await t.local.addWorker({ numCpus: 1, resources: { b: 1 } });
    const size = 192 * MiB;
    const make = cluster.task<typeof objects.bytes>(OBJ, 'bytes', { custom: { a: 1 }, maxRetries: 3 });
    const hash = cluster.task<typeof objects.sha>(OBJ, 'sha', { custom: { b: 1 }, maxRetries: 5 });
    const ref = make.remote(size, 9);
    await cluster.wait([ref]);
    const { worker } = loadProtos();
    const list = (address: string) => {
      const c = new worker.convoy.v1.WorkerService(address, grpc.credentials.createInsecure(), clientOptions(t.local.token)) as unknown as WorkerServiceClient;
      return new Promise<{ objectId: string; pins: number }[]>((resolve, reject) =>
        c.ListObjects({}, (err, r) => (c.close(), err ? reject(err) : resolve(r!.objects))),
      );
    };
    const result = cluster.get(hash.remote(ref));
    // A1 pins the object only while its data plane writes it to B, a few hundred ms that polling from a busy
    // machine can miss altogether. So B, the reader, runs in steps of a few ms: while it is stopped, A1 can
    // hand at most the socket buffers (a few MiB of 192) to it, and a pin seen then lasts until A1 is killed.
    const deadline = Date.now() + 90_000;
    for (;;) {
      b.child.kill('SIGSTOP');
      if ((await list(a1.address)).some((o) => o.objectId === ref.id && o.pins > 0)) break;
      b.child.kill('SIGCONT');
      if (Date.now() > deadline) throw new Error('A1 never started serving the object');
      await new Promise((r) => setTimeout(r, 2));
    }
    a1.child.kill('SIGKILL');
    await new Promise((r) => a1.child.once('exit', r));
    b.child.kill('SIGCONT');
    // B never got the whole object from A1.
    expect((await list(b.address)).some((o) => o.objectId === ref.id)).toBe(false);
    const a2 = await t.local.addWorker({ numCpus: 1, resources: { a: 1 } });
    expect(await result).toBe(sha(objects.bytes(size, 9))); // the task was retried after the producer ran again on A2
    expect((await list(a2.address)).some((o) => o.objectId === ref.id)).toBe(true);
  });
});
