/**
 * Cross-site requests carrying the dashboard cookie. The cookie is SameSite=Strict, but a page on another
 * port of the same host (http://127.0.0.1:9999) is the same *site*, so the browser sends it along: the head
 * itself must refuse state-changing requests and ws upgrades from any origin but its own.
 */
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../helpers/cluster.ts';

let t: TestCluster;
let base: string;
let cookie: string;
const FOREIGN = 'http://127.0.0.1:9999';

beforeAll(async () => {
  t = await startTestCluster({ workers: 1, cpusPerWorker: 1 });
  base = `http://${t.local.httpAddress}`;
  // Sign in as a browser does: the token in the URL once, traded for the cookie.
  const signIn = await fetch(`${base}/?token=${encodeURIComponent(t.local.token)}`, { redirect: 'manual' });
  expect(signIn.status).toBe(303);
  cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
});
afterAll(async () => t?.stop());

const jobCount = async () =>
  ((await (await fetch(`${base}/api/jobs`, { headers: { authorization: `Bearer ${t.local.token}` } })).json()) as unknown[]).length;

async function markerJob(headers: Record<string, string>): Promise<{ status: number; error: string; marker: string }> {
  const marker = path.join(await mkdtemp(path.join(os.tmpdir(), 'convoy-csrf-')), 'csrf-marker');
  const res = await fetch(`${base}/api/jobs`, { method: 'POST', headers, body: JSON.stringify({ entrypoint: ['touch', marker] }) });
  const text = await res.text();
  return { status: res.status, error: res.ok ? '' : ((JSON.parse(text) as { error: string }).error ?? text), marker };
}

function openWs(headers: Record<string, string>): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://${t.local.httpAddress}/api/events`, { headers });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(`HTTP ${res.statusCode}`));
    ws.on('error', (e) => resolve(e.message));
  });
}

describe('cross-site requests with the dashboard cookie', () => {
  it("refuses the probe's text/plain POST to /api/jobs from another port of the same host, and runs nothing", async () => {
    const before = await jobCount();
    const r = await markerJob({ cookie, origin: FOREIGN, 'content-type': 'text/plain' });
    expect(r.status).toBe(403);
    expect(r.error).toMatch(/Origin http:\/\/127\.0\.0\.1:9999 is not this head/);
    expect(await jobCount()).toBe(before);
    expect(existsSync(r.marker)).toBe(false);
  });

  it('refuses every state-changing route from a foreign origin, even with a JSON body', async () => {
    const before = await jobCount();
    const r = await markerJob({ cookie, origin: FOREIGN, 'content-type': 'application/json' });
    expect(r.status).toBe(403);
    for (const route of ['/api/shutdown', '/api/jobs/job_x/stop', '/api/packages', '/api/progress', `/api/nodes/${t.local.workers[0]!.nodeId}/drain`]) {
      const res = await fetch(base + route, { method: 'POST', headers: { cookie, origin: FOREIGN, 'content-type': 'application/json' }, body: '{}' });
      expect(res.status, route).toBe(403);
    }
    expect(await jobCount()).toBe(before);
    expect(existsSync(r.marker)).toBe(false);
    expect((await fetch(`${base}/api/status`, { headers: { cookie } })).status).toBe(200); // the head did not shut down
  });

  it('refuses a cookie-authorised state change that carries no Origin (browsers always send one)', async () => {
    const r = await markerJob({ cookie, 'content-type': 'application/json' });
    expect(r.status).toBe(403);
    expect(r.error).toMatch(/Authorization: Bearer/);
    expect(existsSync(r.marker)).toBe(false);
  });

  it('refuses the content types a cross-site form or beacon can send, with 415, even from its own origin', async () => {
    const before = await jobCount();
    for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const r = await markerJob({ cookie, origin: base, 'content-type': type });
      expect(r.status, type).toBe(415);
      expect(r.error).toMatch(/Content-Type: application\/json/);
      expect(existsSync(r.marker)).toBe(false);
    }
    const bearer = await markerJob({ authorization: `Bearer ${t.local.token}`, 'content-type': 'text/plain' });
    expect(bearer.status).toBe(415);
    expect(await jobCount()).toBe(before);
  });

  it('accepts a JSON request from its own origin with the cookie, and an API client with the bearer token and no Origin', async () => {
    const before = await jobCount();
    const fromPage = await markerJob({ cookie, origin: base, 'content-type': 'application/json' });
    expect(fromPage.status).toBe(200);
    const fromCli = await markerJob({ authorization: `Bearer ${t.local.token}`, 'content-type': 'application/json' });
    expect(fromCli.status).toBe(200);
    expect(await jobCount()).toBe(before + 2);
  });

  it('refuses the ws event feed to a foreign origin with the cookie, and opens it to its own', async () => {
    expect(await openWs({ cookie, origin: FOREIGN })).toBe('HTTP 403');
    expect(await openWs({ cookie })).toBe('HTTP 403');
    expect(await openWs({ cookie, origin: base })).toBe('open');
    expect(await openWs({ authorization: `Bearer ${t.local.token}` })).toBe('open');
  });
});
