/**
 * The dashboard in real Chromium against a real 2-worker cluster: auth, nodes, task counts, live progress,
 * jobs and their logs, warnings, and that values render as text. One cluster and one browser for the file.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ClusterStatus } from '../../cluster/api/head-api.ts';
import { chromiumMissing, launchChromium } from '../helpers/browser.ts';
import { startTestCluster, TASKS, type TestCluster } from '../helpers/cluster.ts';
import type * as basic from '../fixtures/tasks/basic.ts';

const missing = chromiumMissing();
if (missing) console.warn(`dashboard browser tests skipped: ${missing}`);
const test = it.skipIf(missing !== undefined);

let t: TestCluster;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let base: string;
let token: string;

beforeAll(async () => {
  if (missing) return;
  const [cluster, chromium] = await Promise.allSettled([startTestCluster({ workers: 2, cpusPerWorker: 1 }), launchChromium()]);
  if (cluster.status === 'fulfilled') t = cluster.value;
  if (chromium.status === 'fulfilled') browser = chromium.value;
  if (cluster.status === 'rejected') throw cluster.reason;
  if (chromium.status === 'rejected') throw chromium.reason;
  base = `http://${t.local.httpAddress}`;
  token = t.local.token;
  // A fixed locale and zone, so numbers render as 2,500 whatever the machine's settings.
  context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC' });
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await t?.stop();
});

function api(method: string, route: string, body?: unknown, auth = true): Promise<Response> {
  return fetch(base + route, {
    method,
    headers: { ...(auth ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function status(): Promise<ClusterStatus> {
  return (await (await api('GET', '/api/status')).json()) as ClusterStatus;
}

/** The signed-in dashboard tab shared by the tests (opened here too, so each test also runs alone with -t). */
async function openDashboard(): Promise<void> {
  if (page.url() !== `${base}/`) await page.goto(`${base}/?token=${encodeURIComponent(token)}`);
}

const text = (selector: string) => page.locator(selector).first().textContent({ timeout: 15_000 });

describe('dashboard in Chromium', () => {
  test('without the token the page, the API and the event feed answer 401 and show no data', async () => {
    const nodeIds = t.local.workers.map((w) => w.nodeId!);
    for (const route of ['/', '/api/status', '/api/jobs']) {
      const res = await fetch(base + route);
      expect(res.status, route).toBe(401);
      const body = await res.text();
      for (const id of nodeIds) expect(body).not.toContain(id);
    }
    expect((await fetch(base + '/api/status', { headers: { authorization: 'Bearer not-the-token' } })).status).toBe(401);
    expect((await api('POST', '/api/progress', { id: 'intruder', label: 'intruder', done: 1, total: 2 }, false)).status).toBe(401);
    const wsStatus = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${base.replace('http', 'ws')}/api/events`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => reject(new Error('the event feed accepted a connection without the token')));
      ws.on('error', () => undefined);
    });
    expect(wsStatus).toBe(401);

    // A browser with no cookie, then with a wrong one, gets the 401 text and no dashboard.
    const anon = await browser.newContext();
    try {
      const tab = await anon.newPage();
      expect((await tab.goto(base + '/'))?.status()).toBe(401);
      expect(await tab.locator('#nodes').count()).toBe(0);
      expect(await tab.textContent('body')).toContain('missing or wrong cluster token');
      await anon.addCookies([{ name: 'convoy_token', value: 'wrong', url: base }]);
      expect((await tab.goto(base + '/'))?.status()).toBe(401);
      expect((await tab.goto(base + '/?token=wrong'))?.status()).toBe(401);
      expect(await anon.cookies(base)).toEqual([expect.objectContaining({ value: 'wrong' })]);
    } finally {
      await anon.close();
    }
    // The intruder's progress report never reached the feed.
    expect(JSON.stringify(await status())).not.toContain('intruder');
  });

  test('/?token= sets an HttpOnly cookie, drops the token from the URL and renders both nodes', async () => {
    const res = await page.goto(`${base}/?token=${encodeURIComponent(token)}`);
    expect(res?.status()).toBe(200);
    expect(page.url()).toBe(`${base}/`);
    const cookie = (await context.cookies(base)).find((c) => c.name === 'convoy_token');
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Strict');
    expect(cookie?.value === token).toBe(true);
    expect(await page.evaluate<string>('document.cookie')).not.toContain('convoy_token');

    const rows = page.locator('#nodes tbody tr[data-node-id]');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(2);
    const s = await status();
    for (const w of t.local.workers) {
      const row = page.locator(`#nodes tbody tr[data-node-id="${w.nodeId}"]`);
      expect(await row.locator('[data-field=state]').textContent()).toBe('alive');
      expect(await row.locator('[data-field=address]').textContent()).toBe(s.nodes.find((n) => n.nodeId === w.nodeId)?.address);
      expect(await row.locator('[data-field=cpu]').textContent()).toBe('0 / 1');
      expect(await row.locator('[data-field=store]').textContent()).toMatch(/MiB|KiB|B \//);
    }
    expect(await text('[data-card=nodes] .v')).toBe('2 / 2');
    expect(await text('[data-card=cpu] .v')).toBe('0 / 2');
    expect(await text('[data-card=gpu] .v')).toBe('–');
    expect(await text('[data-card=clients] .v')).toBe(String(s.clients));
    await expect.poll(() => page.getAttribute('#conn', 'data-state'), { timeout: 15_000 }).toBe('live');
    expect(await page.content()).not.toContain(token);
  });

  test('task counts appear after tasks run', async () => {
    await openDashboard();
    const square = t.cluster.task<typeof basic.square>(TASKS, 'square');
    const fail = t.cluster.task<typeof basic.fail>(TASKS, 'fail');
    expect(await t.cluster.get(Array.from({ length: 20 }, (_, i) => square.remote(i)))).toHaveLength(20);
    await expect(t.cluster.get(fail.remote('sensor offline'))).rejects.toThrow(/sensor offline/);
    const count = (state: string) => page.locator(`#tasks tr[data-state=${state}] [data-field=count]`).textContent({ timeout: 1000 }).catch(() => null);
    // Each count reaches the page in its own update: wait for each, not for the first alone.
    await expect.poll(() => count('finished'), { timeout: 15_000 }).toBe('20');
    await expect.poll(() => count('failed'), { timeout: 15_000 }).toBe('1');
    await expect.poll(() => count('running'), { timeout: 15_000 }).toBe('0');
    // A failed task is a warning: the page does not say "no warnings" while work failed.
    await expect.poll(() => page.locator('#warnings li').allTextContents(), { timeout: 15_000 }).toContainEqual(expect.stringMatching(/^1 task\(s\) failed after their retries/));
  });

  test('POST /api/progress shows a live bar with rate, ETA and extras, updated without a reload', async () => {
    await openDashboard();
    await page.evaluate('window.sameDocument = true');
    const report = (done: number, rate: number, etaS: number | null) =>
      api('POST', '/api/progress', { id: 'collect-oslo', label: 'collect oslo', done, total: 10_000, rate, etaS, extra: { apiRequests: 1234, costUsd: 0.56 } });
    expect((await report(2500, 500, 15)).status).toBe(200);

    const bar = page.locator('.progress-item[data-id="collect-oslo"]');
    const field = (name: string) => bar.locator(`[data-field=${name}]`).textContent();
    await bar.waitFor({ timeout: 15_000 });
    expect(await field('label')).toBe('collect oslo');
    expect(await field('count')).toBe('2,500 / 10,000');
    expect(await field('percent')).toBe('(25.0%)');
    expect(await field('rate')).toBe('500/s');
    expect(await field('eta')).toBe('ETA 15 s');
    expect(await field('extras')).toBe('API requests 1,234 · cost $0.56');
    expect(await bar.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('25.0');

    // With no ETA from the client, the page derives it from the rate: 2,500 left at 1,250/s.
    expect((await report(7500, 1250, null)).status).toBe(200);
    await expect.poll(() => field('percent'), { timeout: 10_000 }).toBe('(75.0%)');
    expect(await field('eta')).toBe('ETA 2 s');
    expect(await field('rate')).toBe('1,250/s');
    expect((await report(10_000, 1250, 0)).status).toBe(200);
    await expect.poll(() => field('eta'), { timeout: 10_000 }).toBe('done');
    expect(await bar.getAttribute('data-done')).toBe('true');
    expect(await page.evaluate('window.sameDocument')).toBe(true);
  });

  test('submitted jobs appear with their status, and their logs open in the page', async () => {
    await openDashboard();
    const submit = async (code: string) => {
      const res = await api('POST', '/api/jobs', { entrypoint: ['node', '-e', code] });
      expect(res.status).toBe(200);
      return ((await res.json()) as { jobId: string }).jobId;
    };
    const [ok, broken] = await Promise.all([submit('console.log("hello from the dashboard job")'), submit('process.exit(3)')]);
    const row = (id: string) => page.locator(`#jobs tbody tr[data-job-id="${id}"]`);
    const cellOf = (id: string, name: string) => row(id).locator(`[data-field=${name}]`).textContent({ timeout: 1000 }).catch(() => null);
    await expect.poll(() => cellOf(ok, 'status'), { timeout: 20_000 }).toBe('SUCCEEDED');
    await expect.poll(() => cellOf(broken, 'status'), { timeout: 20_000 }).toBe('FAILED');
    expect(await cellOf(ok, 'entrypoint')).toBe('node -e console.log("hello from the dashboard job")');
    expect(await cellOf(broken, 'message')).toBe('exited with code 3');
    expect(await cellOf(ok, 'started')).toMatch(/\d{1,2}:\d{2}:\d{2}/);

    // Jobs have a page of their own: their buttons are reached there.
    await page.evaluate('location.hash = "#/jobs"');
    await row(ok).getByRole('button', { name: `show logs of ${ok}` }).click();
    await expect.poll(() => page.locator('#job-logs-text').textContent(), { timeout: 10_000 }).toContain('hello from the dashboard job');
    expect(await page.locator('#job-logs').getAttribute('data-job-id')).toBe(ok);
    await page.locator('#job-logs-close').click();
    expect(await page.locator('#job-logs').isHidden()).toBe(true);
    await page.evaluate('location.hash = "#/overview"');
  });

  test('a request no node can satisfy shows as a warning', async () => {
    await openDashboard();
    const needsGpu = t.cluster.task<typeof basic.square>(TASKS, 'square', { gpu: 1, name: 'needs-gpu' });
    const ref = needsGpu.remote(3);
    try {
      const warnings = page.locator('#warnings li');
      await expect.poll(() => warnings.allTextContents(), { timeout: 15_000 }).toContainEqual(expect.stringMatching(/needs-gpu.*never be scheduled.*gpu: 1/));
      const shown = await warnings.allTextContents();
      expect(shown.join('\n')).not.toContain('_slots');
      expect(await page.locator('#warnings-count').textContent()).toBe(String(shown.length));
    } finally {
      t.cluster.cancel(ref);
    }
  });

  test('a progress label or extra carrying markup renders as text', async () => {
    await openDashboard();
    const label = '<img src=x onerror="window.pwned=1">';
    const res = await api('POST', '/api/progress', {
      id: 'markup',
      label,
      done: 1,
      total: 4,
      rate: 1,
      etaS: 3,
      extra: { '<b>key</b>': '<script>window.pwned=2</script>' },
    });
    expect(res.status).toBe(200);
    const bar = page.locator('.progress-item[data-id="markup"]');
    await bar.waitFor({ timeout: 15_000 });
    expect(await bar.locator('[data-field=label]').textContent()).toBe(label);
    expect(await bar.locator('[data-field=extras]').textContent()).toBe('<b>key</b> <script>window.pwned=2</script>');
    expect(await page.locator('#progress img, #progress script, #progress b').count()).toBe(0);
    expect(await page.evaluate('typeof window.pwned')).toBe('undefined');
  });

  test('fits a phone-sized screen (390 px) without scrolling sideways', async () => {
    await openDashboard();
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await expect.poll(() => page.evaluate('document.documentElement.scrollWidth'), { timeout: 5000 }).toBeLessThanOrEqual(390);
      expect(await page.locator('#nodes tbody tr').count()).toBeGreaterThan(0);
    } finally {
      await page.setViewportSize({ width: 1280, height: 720 });
    }
  });

  test('a full-page screenshot is a non-empty PNG, and the token is nowhere in the page', async () => {
    await openDashboard();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-dashboard-'));
    try {
      const file = path.join(dir, 'dashboard.png');
      await page.screenshot({ path: file, fullPage: true });
      const png = await readFile(file);
      expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
      expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
      expect(png.readUInt32BE(16)).toBeGreaterThan(0);
      expect(png.readUInt32BE(20)).toBeGreaterThan(0);
      expect(png.length).toBeGreaterThan(10_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect((await page.content()).includes(token)).toBe(false);
    expect(page.url().includes(token)).toBe(false);
  });

  test('an open page that loses its cookie clears every value and asks to sign in', async () => {
    await openDashboard();
    await expect.poll(() => page.locator('#nodes tbody tr[data-node-id]').count(), { timeout: 15_000 }).toBe(2);
    await context.clearCookies();
    await expect.poll(() => page.getAttribute('#conn', 'data-state'), { timeout: 15_000 }).toBe('signed-out');
    expect(await page.locator('#signin').isVisible()).toBe(true);
    for (const selector of ['#nodes tbody tr', '#tasks tbody tr', '#jobs tbody tr', '#warnings li', '#events li', '.progress-item', '[data-card]', '#node-charts section', '.chart canvas', '[data-collection]', '[data-run]', '#task-log tbody tr']) {
      expect(await page.locator(selector).count(), selector).toBe(0);
    }
    // Progress posted now must not reach the page through the feed it opened while signed in.
    expect((await api('POST', '/api/progress', { id: 'after-sign-out', label: 'after sign-out', done: 1, total: 2 })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect(await page.locator('.progress-item').count()).toBe(0);
  });
});
