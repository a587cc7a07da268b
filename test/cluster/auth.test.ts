import { chmod, mkdtemp, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { AuthError, connect } from '../../cluster/client/index.ts';
import { readTokenFile } from '../../cluster/common/auth.ts';
import { loadProtos, type HeadServiceClient, type WorkerServiceClient } from '../../cluster/proto/load.ts';
import { clientOptions } from '../../cluster/transport/grpc.ts';
import { startTestCluster, type TestCluster } from '../helpers/cluster.ts';

let t: TestCluster;
beforeAll(async () => {
  t = await startTestCluster({ workers: 1, cpusPerWorker: 1 });
});
afterAll(async () => t?.stop());

function headClient(token?: string): HeadServiceClient {
  const { head } = loadProtos();
  const opts = token ? clientOptions(token) : {};
  return new head.convoy.v1.HeadService(t.local.address, grpc.credentials.createInsecure(), opts) as unknown as HeadServiceClient;
}

function statusCall(c: HeadServiceClient): Promise<grpc.ServiceError | null> {
  return new Promise((resolve) => c.GetClusterStatus({}, { deadline: Date.now() + 5000 }, (err) => resolve(err)));
}

describe('security by default', () => {
  it('refuses gRPC calls to the head without the token or with a wrong one', async () => {
    for (const c of [headClient(), headClient('wrong-token')]) {
      const err = await statusCall(c);
      expect(err?.code).toBe(grpc.status.UNAUTHENTICATED);
      c.close();
    }
    const ok = headClient(t.local.token);
    expect(await statusCall(ok)).toBeNull();
    ok.close();
  });

  it('refuses gRPC calls to a worker without the token', async () => {
    const { worker } = loadProtos();
    const c = new worker.convoy.v1.WorkerService(t.local.workers[0]!.address, grpc.credentials.createInsecure(), {}) as unknown as WorkerServiceClient;
    const err = await new Promise<grpc.ServiceError | null>((resolve) => c.FreeObjects({ objectIds: ['x'] }, (e) => resolve(e)));
    expect(err?.code).toBe(grpc.status.UNAUTHENTICATED);
    const stream = c.FetchObject({ objectId: 'x', offset: 0 });
    const streamErr = await new Promise<grpc.ServiceError>((resolve) => stream.on('error', resolve));
    expect(streamErr.code).toBe(grpc.status.UNAUTHENTICATED);
    c.close();
  });

  it('makes connect() fail with AuthError on a wrong token', async () => {
    await expect(connect(t.local.address, { token: 'nope', connectTimeoutMs: 5000 })).rejects.toBeInstanceOf(AuthError);
  });

  it('refuses HTTP requests and ws connections without the token', async () => {
    const base = `http://${t.local.httpAddress}`;
    for (const p of ['/', '/api/status', '/api/jobs']) expect((await fetch(base + p)).status).toBe(401);
    expect((await fetch(`${base}/api/status`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const ok = await fetch(`${base}/api/status`, { headers: { authorization: `Bearer ${t.local.token}` } });
    expect(ok.status).toBe(200);
    const body = await ok.text();
    expect(body).not.toContain(t.local.token);
    const wsResult = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://${t.local.httpAddress}/api/events`);
      ws.on('open', () => resolve('open'));
      ws.on('error', (e) => resolve(e.message));
    });
    expect(wsResult).toMatch(/401/);
    const authed = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://${t.local.httpAddress}/api/events`, { headers: { authorization: `Bearer ${t.local.token}` } });
      ws.on('open', () => {
        ws.close();
        resolve('open');
      });
      ws.on('error', (e) => resolve(e.message));
    });
    expect(authed).toBe('open');
  });

  it('listens on loopback only by default', async () => {
    expect(t.local.address.startsWith('127.0.0.1:')).toBe(true);
    expect(t.local.httpAddress.startsWith('127.0.0.1:')).toBe(true);
    expect(t.local.workers[0]!.address.startsWith('127.0.0.1:')).toBe(true);
    const external = Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
    if (external) {
      const port = t.local.httpAddress.split(':')[1];
      await expect(fetch(`http://${external.address}:${port}/api/status`, { signal: AbortSignal.timeout(3000) })).rejects.toThrow();
    }
  });

  it('writes the token file with mode 0600 and refuses to read one others can read', async () => {
    const st = await stat(path.join(t.local.sessionDir, 'token'));
    expect(st.mode & 0o777).toBe(0o600);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-tok-'));
    const f = path.join(dir, 'token');
    await writeFile(f, 'abc\n');
    await chmod(f, 0o644);
    expect(() => readTokenFile(f)).toThrow(/readable by other users.*chmod 600/);
    await chmod(f, 0o600);
    expect(readTokenFile(f)).toBe('abc');
  });
});
