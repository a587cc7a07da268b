/**
 * The dashboard's pages in real Chromium against a real 2-worker cluster: each page renders from live data
 * (nodes and their charts, jobs with logs and stop, the task log or its absence, a synthetic collection whose
 * counts and chart rise, a tune run's trial table and learning curves), fits a 390 px screen, never holds the
 * token, and is saved as a screenshot under test-artifacts/dashboard/ (gitignored) for people to look at.
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tune } from '../../cluster/client/index.ts';
import { collect } from '../../tasks/collect/index.ts';
import { chromiumMissing, launchChromium } from '../helpers/browser.ts';
import { startTestCluster, TASKS, type TestCluster } from '../helpers/cluster.ts';
import { startFakeServer, type FakeServer } from '../sources/helpers/fake-server.ts';
import type { SeriesReport, TaskEntry, TaskPage } from '../../cluster/api/head-api.ts';
import type * as basic from '../fixtures/tasks/basic.ts';
import type * as actors from '../fixtures/tasks/actors.ts';
import { openStorage } from '../../cluster/storage/index.ts';
import { ModelRegistry } from '../../tasks/training/artifacts/registry.ts';
import { trainModel } from '../../tasks/training/trainer.ts';
import { syntheticTraffic } from '../training/helpers/synthetic-traffic.ts';

const ACTORS = new URL('../fixtures/tasks/actors.ts', import.meta.url);
const REGISTRY = path.join(os.tmpdir(), `convoy-dash-registry-${process.pid}`);
import type * as trainables from '../fixtures/tasks/trainables.ts';

const missing = chromiumMissing();
if (missing) console.warn(`dashboard page tests skipped: ${missing}`);
const test = it.skipIf(missing !== undefined);

const ROUTES = ['overview', 'nodes', 'jobs', 'tasks', 'actors', 'placement-groups', 'objects', 'collection', 'trials', 'models'] as const;
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/dashboard/', import.meta.url));
const TRAINABLES = new URL('../fixtures/tasks/trainables.ts', import.meta.url);
const WAIT = { timeout: 60_000 };

let t: TestCluster;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let base: string;
let token: string;
let fake: FakeServer;
/** Script errors and CSP refusals the page reported: there must be none. */
const pageProblems: string[] = [];

beforeAll(async () => {
  if (missing) return;
  fake = await startFakeServer();
  // Workers inherit the environment: the provider key reaches them as a deployment would pass it.
  process.env.TOMTOM_API_KEY = 'sk-test-dashboard-0000';
  const [cluster, chromium] = await Promise.allSettled([startTestCluster({ workers: 2, cpusPerWorker: 2, registry: REGISTRY }), launchChromium()]);
  if (cluster.status === 'fulfilled') t = cluster.value;
  if (chromium.status === 'fulfilled') browser = chromium.value;
  if (cluster.status === 'rejected') throw cluster.reason;
  if (chromium.status === 'rejected') throw chromium.reason;
  base = `http://${t.local.httpAddress}`;
  token = t.local.token;
  context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC', viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (e) => pageProblems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) pageProblems.push(`console: ${m.text()}`);
  });
  page.on('dialog', (d) => void d.accept());
  await mkdir(ARTIFACTS, { recursive: true });
  await page.goto(`${base}/?token=${encodeURIComponent(token)}`);
}, 120_000);

afterAll(async () => {
  await rm(REGISTRY, { recursive: true, force: true });
  await browser?.close().catch(() => undefined);
  await t?.stop();
  await fake?.close();
  delete process.env.TOMTOM_API_KEY;
});

function api(method: string, route: string, body?: unknown): Promise<Response> {
  return fetch(base + route, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function open(route: (typeof ROUTES)[number]): Promise<void> {
  await page.evaluate(`location.hash = '#/${route}'`);
  await page.locator(`[data-page="${route}"]`).waitFor({ state: 'visible', timeout: 15_000 });
}

const attr = (selector: string, name: string) => page.locator(selector).first().getAttribute(name, { timeout: 1000 }).catch(() => null);
const text = (selector: string) => page.locator(selector).first().textContent({ timeout: 1000 }).catch(() => null);

/** One attribute of every element a locator matches, read at one moment (the page re-renders rows as data comes). */
const attrs = (locator: Locator, name: string) => locator.evaluateAll((els, n) => els.map((e) => e.getAttribute(n)).join(','), name);

/** A full-page screenshot of the open page, kept as an artifact; checked to be a real PNG. */
async function screenshot(name: string): Promise<void> {
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  const png = await readFile(file);
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  expect(png.readUInt32BE(16)).toBeGreaterThan(0);
  expect(png.length).toBeGreaterThan(5_000);
}

describe('dashboard pages in Chromium', () => {
  test('GET /api/series needs the token and holds the nodes and task counts over time', async () => {
    expect((await fetch(base + '/api/series')).status).toBe(401);
    const series = async () => (await (await api('GET', '/api/series')).json()) as SeriesReport;
    // The head samples every few seconds: on a busy machine its first sample may predate a worker's registering.
    const want = t.local.workers.map((w) => w.nodeId).sort();
    await expect.poll(async () => (await series()).nodes.map((n) => n.nodeId).sort(), WAIT).toEqual(want);
    const s = await series();
    expect(s.t.length).toBeGreaterThan(0);
    expect(s.t.length).toBeLessThanOrEqual(s.capacity);
    expect(s.tasks.finished).toHaveLength(s.t.length);
    expect(s.nodes.map((n) => n.nodeId).sort()).toEqual(t.local.workers.map((w) => w.nodeId).sort());
    for (const n of s.nodes) expect(n.cpuTotal.at(-1)).toBe(2);
  });

  test('the nav switches pages by hash, one page shown at a time', async () => {
    for (const route of ROUTES) {
      await page.locator(`#nav a[data-route="${route}"]`).click();
      await page.locator(`[data-page="${route}"]`).waitFor({ state: 'visible', timeout: 15_000 });
      expect(page.url()).toBe(`${base}/#/${route}`);
      expect(await page.locator('[data-page]:visible').count()).toBe(1);
      expect(await page.locator('#nav a[aria-current=page]').getAttribute('data-route')).toBe(route);
    }
  });

  test('overview: cards, and a task throughput chart drawn from the head series', async () => {
    const square = t.cluster.task<typeof basic.square>(TASKS, 'square');
    expect(await t.cluster.get(Array.from({ length: 30 }, (_, i) => square.remote(i)))).toHaveLength(30);
    await open('overview');
    await expect.poll(() => text('[data-card=nodes] .v'), WAIT).toBe('2 / 2');
    // The head samples every few seconds: wait for two samples, the first rate a chart can draw.
    await expect.poll(async () => Number(await attr('#throughput-chart', 'data-points')), WAIT).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#throughput-chart canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('#throughput-chart .u-legend').textContent()).toContain('tasks/s');
    await screenshot('overview');
  });

  test('nodes: the table and, per node, charts of what is in use and of its object store', async () => {
    await open('nodes');
    await expect.poll(() => page.locator('#nodes tbody tr[data-node-id]').count(), WAIT).toBe(2);
    for (const w of t.local.workers) {
      const section = `#node-charts section[data-node-id="${w.nodeId}"]`;
      await expect.poll(() => page.locator(`${section} [data-chart=node-util] canvas`).count(), WAIT).toBeGreaterThan(0);
      expect(await page.locator(`${section} [data-chart=node-store] canvas`).count()).toBeGreaterThan(0);
      expect(await text(`${section} [data-field=now]`)).toMatch(/^CPU \d+ \/ 2 · memory .* · store /);
      expect(Number(await attr(`${section} [data-chart=node-util]`, 'data-points'))).toBeGreaterThanOrEqual(1);
      expect(await page.locator(`${section} [data-chart=node-util] .u-legend`).textContent()).toContain('CPU');
      expect(await page.locator(`${section} [data-chart=node-store] .u-legend`).textContent()).toMatch(/used.*spilled/);
    }
    await screenshot('nodes');
  });

  test('jobs: a job shows its streamed logs, and the stop button stops a running one', async () => {
    await open('jobs');
    const submit = async (code: string) => {
      const res = await api('POST', '/api/jobs', { entrypoint: ['node', '-e', code] });
      expect(res.status).toBe(200);
      return ((await res.json()) as { jobId: string }).jobId;
    };
    const chatty = await submit('console.log("line one from the pages test"); setInterval(() => console.log("tick"), 200)');
    const row = page.locator(`#jobs tbody tr[data-job-id="${chatty}"]`);
    await expect.poll(() => row.getAttribute('data-status', { timeout: 1000 }).catch(() => null), WAIT).toBe('RUNNING');
    await row.getByRole('button', { name: `show logs of ${chatty}` }).click();
    await expect.poll(() => page.locator('#job-logs-text').textContent(), WAIT).toContain('line one from the pages test');
    await screenshot('jobs');
    await row.getByRole('button', { name: `stop ${chatty}` }).click();
    await expect.poll(() => row.getAttribute('data-status', { timeout: 1000 }).catch(() => null), WAIT).toBe('STOPPED');
    expect(await row.getByRole('button', { name: `stop ${chatty}` }).count()).toBe(0);
    await expect.poll(() => text('#job-logs-note'), WAIT).toBe('job ended');
  });

  test("tasks: the head's task log, filterable by state, failures with their errors", async () => {
    const fail = t.cluster.task<typeof basic.fail>(TASKS, 'fail');
    await expect(t.cluster.get(fail.remote('sensor offline'))).rejects.toThrow(/sensor offline/);
    await open('tasks');
    await expect.poll(() => page.locator('#task-log tbody tr[data-state=failed]').count(), WAIT).toBeGreaterThan(0);
    await page.locator('#task-filter-state').selectOption('failed');
    await expect.poll(() => page.locator('#task-log tbody tr[data-state]:not([data-state=failed])').count(), WAIT).toBe(0);
    expect(await text('#task-log tbody tr[data-state=failed] [data-field=error]')).toContain('sensor offline');
    expect(await page.locator('#task-filter-name option').allTextContents()).toContainEqual(expect.stringMatching(/^fail/));
    await page.locator('#task-filter-state').selectOption('');
    await screenshot('tasks');
  });

  test('tasks: pages through the task log contract (TaskPage) with the filter in the query, failures with their errors', async () => {
    // The head's task log is served elsewhere; here the browser's own requests are answered with the contract's
    // shape, to check what the page asks for and how it shows the answer.
    const asked: URLSearchParams[] = [];
    const entry = (i: number, state: TaskEntry['state']): TaskEntry => ({
      taskId: `task-${i}`, jobId: 'job_1', name: state === 'failed' ? 'parse' : 'fetch', state, nodeId: 'node-a', attempt: 1,
      submittedAt: Date.UTC(2026, 2, 2, 12, 0, i), startedAt: Date.UTC(2026, 2, 2, 12, 0, i), endedAt: Date.UTC(2026, 2, 2, 12, 0, i + 2),
      ...(state === 'failed' ? { error: `TaskError: bad row ${i}` } : {}),
    });
    await page.route('**/api/tasks?*', async (route) => {
      const q = new URL(route.request().url()).searchParams;
      asked.push(q);
      const failedOnly = q.get('state') === 'failed';
      const older = q.get('before') === 'cursor-2';
      const tasks = failedOnly ? [entry(9, 'failed')] : older ? [entry(1, 'finished')] : [entry(3, 'finished'), entry(2, 'failed')];
      const body: TaskPage = {
        tasks, matching: failedOnly ? 1 : 3, kept: 3, limit: 100_000, dropped: 0,
        byName: [{ name: 'fetch', counts: { finished: 2 } }, { name: 'parse', counts: { failed: 1 } }],
        ...(failedOnly || older ? {} : { next: 'cursor-2' }),
      };
      await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
    });
    try {
      await open('overview');
      await open('tasks');
      const rows = page.locator('#task-log tbody tr[data-task-id]');
      await expect.poll(async () => attrs(rows, 'data-task-id'), WAIT).toBe('task-3,task-2');
      expect(await text('#task-log tr[data-task-id=task-2] [data-field=error]')).toBe('TaskError: bad row 2');
      expect(await text('#task-log tr[data-task-id=task-2] [data-field=duration]')).toBe('2 s');
      expect(await text('#task-log-count')).toBe('3 matching · 3 kept of 100,000');
      expect(await page.locator('#task-filter-name option').allTextContents()).toEqual(['all', 'fetch (2)', 'parse (1)']);
      expect(asked.at(-1)!.get('limit')).toBe('50');
      await page.locator('#task-older').click();
      await expect.poll(async () => attrs(rows, 'data-task-id'), WAIT).toBe('task-1');
      expect(asked.at(-1)!.get('before')).toBe('cursor-2');
      expect(await page.locator('#task-older').isDisabled()).toBe(true);
      await page.locator('#task-newer').click();
      await expect.poll(() => rows.count(), WAIT).toBe(2);
      await page.locator('#task-filter-state').selectOption('failed');
      await expect.poll(async () => attrs(rows, 'data-task-id'), WAIT).toBe('task-9');
      expect(asked.at(-1)!.get('state')).toBe('failed');
      expect(asked.at(-1)!.has('before')).toBe(false);
      await page.locator('#task-filter-state').selectOption('');
    } finally {
      await page.unroute('**/api/tasks?*');
    }
  });

  test("models: the registry's versions with their metrics, the promoted one marked", async () => {
    const registry = new ModelRegistry(openStorage(REGISTRY));
    const batches = [...syntheticTraffic({ days: 1, segmentsPerCity: 2, seed: 4 })];
    async function* data() {
      yield* batches;
    }
    const trained = await trainModel({ data, model: { kind: 'mlp', hidden: [4] }, epochs: 1, batchSize: 256 });
    await registry.register({ model: 'speed', artifacts: trained.artifacts, metrics: { validMae: 7.5, test: { model: { mae: 7.25 }, lastValue: { mae: 9.5 }, historicalAverage: { mae: 8 } } } });
    await registry.register({ model: 'speed', artifacts: trained.artifacts, metrics: { validMae: 6.5, test: { model: { mae: 6.25 }, lastValue: { mae: 9.5 }, historicalAverage: { mae: 8 } } } });
    await registry.promote('speed', 2);
    await open('models');
    const rows = page.locator('#models tbody tr[data-model=speed]');
    await expect.poll(() => attrs(rows, 'data-version'), WAIT).toBe('2,1');
    expect(await attrs(rows, 'data-promoted')).toBe('true,false');
    expect(await text('#models tr[data-version="2"] [data-field=testMae]')).toBe('6.25');
    expect(await text('#models tr[data-version="2"] [data-field=lastValueMae]')).toBe('9.5');
    expect(await text('#models tr[data-version="1"] [data-field=validMae]')).toBe('7.5');
    await screenshot('models');
  });

  test('actors: each actor with its class, state, node and owner, and a killed one as dead with why', async () => {
    const counter = t.cluster.actor<typeof actors.Counter>(ACTORS, 'Counter', { name: 'pages-counter' }).remote(1);
    expect(await t.cluster.get(counter.call('increment', 1))).toBe(2);
    await open('actors');
    const row = page.locator(`#actors tr[data-actor-id="${counter.actorId}"]`);
    await expect.poll(() => row.getAttribute('data-state', { timeout: 1000 }).catch(() => null), WAIT).toBe('alive');
    expect(await text(`#actors tr[data-actor-id="${counter.actorId}"] [data-field=class]`)).toBe('Counter (pages-counter)');
    const node = await text(`#actors tr[data-actor-id="${counter.actorId}"] [data-field=node]`);
    expect(t.local.workers.map((w) => w.nodeId)).toContain(node);
    await screenshot('actors');
    counter.kill();
    await expect.poll(() => row.getAttribute('data-state', { timeout: 1000 }).catch(() => null), WAIT).toBe('dead');
  });

  test('placement groups: a placed group with each bundle’s node, a waiting one with why, gone once removed', async () => {
    const placed = t.cluster.placementGroup({ bundles: [{ cpu: 0.5 }], strategy: 'PACK', name: 'pages-placed' });
    await placed.ready({ timeoutMs: 30_000 });
    const waiting = t.cluster.placementGroup({ bundles: [{ cpu: 0.5 }, { cpu: 0.5 }, { cpu: 0.5 }], strategy: 'STRICT_SPREAD', name: 'pages-waiting' });
    await open('placement-groups');
    const row = (id: string) => `#placement-groups tr[data-group-id="${id}"]`;
    await expect.poll(() => page.locator(row(placed.id)).getAttribute('data-state', { timeout: 1000 }).catch(() => null), WAIT).toBe('CREATED');
    expect(await text(`${row(placed.id)} [data-field=bundles]`)).toContain(placed.bundleNodes[0]!);
    await expect.poll(() => page.locator(row(waiting.id)).getAttribute('data-state', { timeout: 1000 }).catch(() => null), WAIT).toBe('PENDING');
    await expect.poll(() => text(`${row(waiting.id)} [data-field=reason]`), WAIT).toContain('STRICT_SPREAD needs 3 different nodes');
    await screenshot('placement-groups');
    placed.remove();
    waiting.remove();
    await expect.poll(() => page.locator(row(placed.id)).count(), WAIT).toBe(0);
  });

  test('objects: each node store, the objects by owner, and the largest objects with their owner and place', async () => {
    const make = t.cluster.task<typeof basic.bytes>(TASKS, 'bytes');
    // Above the inline threshold: the result stays in its node's store, owned by this driver.
    const ref = make.remote(3 * 1024 * 1024);
    expect((await t.cluster.get(ref)).length).toBe(3 * 1024 * 1024);
    await open('objects');
    const row = page.locator(`#object-largest tr[data-object-id="${ref.id}"]`);
    await expect.poll(() => row.count(), WAIT).toBe(1);
    expect(await text(`#object-largest tr[data-object-id="${ref.id}"] [data-field=size]`)).toMatch(/^3(\.0)? MiB$/);
    expect(await page.locator('#object-stores tbody tr[data-node-id]').count()).toBe(2);
    await expect.poll(() => page.locator('#object-owners tbody tr[data-owner]').count(), WAIT).toBeGreaterThan(0);
    await screenshot('objects');
  });

  test('collection: a synthetic collect job shows samples that rise in its numbers and its chart, per city', async () => {
    await open('collection');
    const lake = path.join(await mkdtemp(path.join(os.tmpdir(), 'convoy-dash-collect-')), 'lake');
    const target = 120_000;
    const summary = await collect(t.cluster, {
      source: 'synthetic',
      cities: ['berlin', 'madrid'],
      from: '2026-03-02',
      to: '2026-03-04',
      target,
      lake,
      shardSamples: 10_000,
    });
    expect(summary.samples).toBe(target);
    const view = page.locator(`[data-collection="${summary.jobId}"]`);
    await expect.poll(() => view.locator('[data-field=samples]').textContent({ timeout: 1000 }).catch(() => null), WAIT).toBe('120,000');
    expect(await view.locator('[data-field=target]').textContent()).toBe('120,000');
    expect(await view.locator('[data-field=percent]').textContent()).toBe('100.0%');
    expect(await view.locator('[data-field=eta]').textContent()).toBe('done');
    // The chart rose: it starts below the target (the job's first report is 0) and ends at it.
    const chart = view.locator('[data-chart=samples]');
    await expect.poll(async () => Number(await chart.getAttribute('data-last')), WAIT).toBe(target);
    expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThanOrEqual(2);
    expect(Number(await chart.getAttribute('data-first'))).toBeLessThan(target);
    expect(await chart.locator('canvas').count()).toBeGreaterThan(0);
    const cities = await view.locator('.city').evaluateAll((els) => els.map((e) => [e.getAttribute('data-city'), e.querySelector('[data-field=count]')?.textContent]));
    expect(cities.map((c) => c[0]).sort()).toEqual(['berlin', 'madrid']);
    expect(cities.reduce((n, c) => n + Number(String(c[1]).replace(/,/g, '')), 0)).toBe(target);
    // The overview's bar keeps to the totals: per-city figures are this page's.
    expect(await page.locator(`.progress-item[data-id="${summary.jobId}"] [data-extra^="samples."]`).count()).toBe(0);
    expect(await view.locator('[data-field=providers] table').count()).toBe(0);

    // A provider collection shows its API use: requests, failures, quota and cost.
    const body = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../fixtures/providers/tomtom-flow-segment.json'), 'utf8'));
    fake.script({ status: 200, body });
    const apiLake = path.join(await mkdtemp(path.join(os.tmpdir(), 'convoy-dash-collect-api-')), 'lake');
    const api = await collect(t.cluster, {
      source: 'tomtom',
      cities: ['berlin'],
      from: '2026-03-02',
      to: '2026-03-03',
      target: 20,
      lake: apiLake,
      shardSamples: 10,
      provider: { baseUrl: fake.url, ledgerPath: path.join(path.dirname(apiLake), 'ledger.sqlite'), quota: { perDay: 1000 } },
    });
    expect(api.apiRequests).toBe(20);
    const row = page.locator(`[data-collection="${api.jobId}"] [data-field=providers] tr[data-provider=tomtom]`);
    await expect.poll(() => row.locator('[data-field=apiRequests]').textContent({ timeout: 1000 }).catch(() => null), WAIT).toBe('20');
    expect(await row.locator('[data-field=failedRequests]').textContent()).toBe('0');
    expect(await row.locator('[data-field=quota]').textContent()).toBe('1,000 / day');
    expect(await row.locator('[data-field=cost]').textContent()).toMatch(/^\$\d/);
    expect(await page.locator(`[data-collection="${api.jobId}"] .city[data-city=berlin] [data-field=count]`).textContent()).toBe('20');
    await screenshot('collection');
  });

  test('trials: a real ASHA tune run as a results table (best and early-stopped marked) and learning curves', async () => {
    const storageDir = await mkdtemp(path.join(os.tmpdir(), 'convoy-dash-tune-'));
    const result = await tune.run(t.cluster, t.cluster.actor<typeof trainables.Curve>(TRAINABLES, 'Curve'), {
      space: { rate: tune.grid([0.9, 0.8, 0.7, 0.5, 0.3, 0.2, 0.1, 0.05]) },
      metric: 'loss',
      mode: 'min',
      scheduler: { type: 'asha', gracePeriod: 1, reductionFactor: 2, maxT: 8 },
      maxConcurrent: 2,
      resourcesPerTrial: { cpu: 0.5 },
      name: 'dash-asha',
      storageDir,
    });
    const stopped = result.trials.filter((tr) => tr.status === 'stopped').map((tr) => tr.id);
    expect(stopped.length).toBeGreaterThan(0);
    await open('trials');
    const run = page.locator('[data-run="dash-asha"]');
    await expect.poll(() => run.getAttribute('data-status', { timeout: 1000 }).catch(() => null), WAIT).toBe('finished');
    await expect.poll(() => run.locator('tr[data-trial-id]').count(), WAIT).toBe(8);
    const best = run.locator('tr[data-best=true]');
    expect(await best.count()).toBe(1);
    expect(await best.getAttribute('data-trial-id')).toBe(result.best!.trialId);
    expect(await best.locator('[data-field=config]').textContent()).toBe('rate=0.9');
    expect(await best.locator('[data-field=best]').textContent()).toBe('★ best');
    expect(await best.locator('[data-field=iterations]').textContent()).toBe('8');
    const early = await attrs(run.locator('tr[data-early-stopped=true]'), 'data-trial-id');
    expect(early.split(',').sort()).toEqual([...stopped].sort());
    expect(await run.locator(`tr[data-trial-id="${stopped[0]}"] [data-field=status]`).textContent()).toBe('stopped early');
    // One curve per trial over the iterations 1..8 any trial reached; the best trial's ends at its last loss.
    const chart = run.locator('[data-chart=learning-curves]');
    await expect.poll(() => chart.locator('canvas').count(), WAIT).toBeGreaterThan(0);
    expect(await chart.getAttribute('data-series')).toBe('8');
    expect(await chart.getAttribute('data-points')).toBe('8');
    expect(await chart.locator('.u-legend').textContent()).toContain(`${result.best!.trialId} ★`);
    await screenshot('trials');
  });

  test('at 390 px no page scrolls sideways, and the token is nowhere in any page', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      for (const route of ROUTES) {
        await open(route);
        await expect.poll(() => page.evaluate<number>('document.documentElement.scrollWidth'), { timeout: 15_000 }).toBeLessThanOrEqual(390);
        expect(await page.evaluate<number>('document.documentElement.scrollWidth'), route).toBeLessThanOrEqual(390);
        const html = await page.content();
        expect(html.includes(token), route).toBe(false);
        expect(page.url().includes(token)).toBe(false);
        await screenshot(`${route}-390px`);
      }
      expect(await page.evaluate<string>('document.cookie')).not.toContain('convoy_token');
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
    expect(pageProblems).toEqual([]);
  });
});
