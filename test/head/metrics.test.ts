// GET /metrics on a live head (a head and two worker processes on loopback): Prometheus text that a parser
// of the format reads, whose counters move with the work a driver does, behind the token; and the
// token-free scrape port, which serves that and nothing else.
import { readFileSync } from 'node:fs';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '../../cluster/client/embedded.ts';
import { connect, tune, type Cluster } from '../../cluster/client/index.ts';
import type * as basic from '../fixtures/tasks/basic.ts';
import type * as trainables from '../fixtures/tasks/trainables.ts';

const BASIC = new URL('../fixtures/tasks/basic.ts', import.meta.url);
const TRAINABLES = new URL('../fixtures/tasks/trainables.ts', import.meta.url);

interface Family {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string> }[];
}

let local: LocalCluster;
let cluster: Cluster;

beforeAll(async () => {
  local = await startLocalCluster({ workers: 2, cpusPerWorker: 2, metricsPort: 0 });
  cluster = await connect(local.address, { token: local.token });
});
afterAll(async () => {
  await cluster?.close();
  await local?.stop();
});

async function scrape(url = `http://${local.httpAddress}/metrics`, headers: Record<string, string> = { authorization: `Bearer ${local.token}` }): Promise<Family[]> {
  const res = await fetch(url, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusTextFormat(await res.text()) as Family[];
}

function value(families: Family[], name: string, labels: Record<string, string> = {}): number | undefined {
  const family = families.find((f) => f.name === name);
  const sample = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return sample?.value === undefined ? undefined : Number(sample.value);
}

describe('GET /metrics', () => {
  it('refuses a scrape without the token', async () => {
    const res = await fetch(`http://${local.httpAddress}/metrics`);
    expect(res.status).toBe(401);
    expect(await res.text()).not.toMatch(/convoy_/);
  });

  it('parses as Prometheus text, with the cluster, its nodes and the head process in it', async () => {
    const families = await scrape();
    const types = Object.fromEntries(families.map((f) => [f.name, f.type]));
    expect(types).toMatchObject({
      convoy_nodes: 'GAUGE',
      convoy_node_resource_total: 'GAUGE',
      convoy_tasks_total: 'COUNTER',
      convoy_tasks: 'GAUGE',
      convoy_objects: 'GAUGE',
      convoy_head_process_resident_memory_bytes: 'GAUGE',
    });
    expect(value(families, 'convoy_nodes', { state: 'alive' })).toBe(2);
    const cpus = families.find((f) => f.name === 'convoy_node_resource_total')!.metrics.filter((m) => m.labels?.resource === 'cpu');
    expect(cpus.map((m) => Number(m.value))).toEqual([2, 2]);
    // Internal bookkeeping stays out.
    expect(families.flatMap((f) => f.metrics).some((m) => m.labels?.resource?.startsWith('_'))).toBe(false);
  });

  it('moves its task counters, progress and tune figures with the work a driver does', async () => {
    const before = await scrape();
    const finishedBefore = value(before, 'convoy_tasks_total', { state: 'finished' }) ?? 0;
    const failedBefore = value(before, 'convoy_tasks_total', { state: 'failed' }) ?? 0;

    const square = cluster.task<typeof basic.square>(BASIC, 'square');
    const fail = cluster.task<typeof basic.fail>(BASIC, 'fail', { maxRetries: 0 });
    expect(await cluster.get(Array.from({ length: 50 }, (_, i) => square.remote(i)))).toHaveLength(50);
    await expect(cluster.get(fail.remote('on purpose'))).rejects.toThrow(/on purpose/);
    cluster.reportProgress({ id: 'collect-test', label: 'collect tomtom → lake', done: 1200, total: 5000, rate: 300, etaS: 12.7, extra: { apiRequests: 17, costUsd: 0.085, shards: '3/10' } });
    await tune.run(cluster, cluster.actor<typeof trainables.Curve>(TRAINABLES, 'Curve'), {
      space: { rate: tune.grid([0.2, 0.8]), x: 0, sleepMs: 0 },
      metric: 'loss',
      mode: 'min',
      maxIterations: 3,
      resourcesPerTrial: { cpu: 0.5 },
      name: 'metrics-grid',
    });

    // The owners report their counts to the head with their heartbeat: poll until they are in.
    let after: Family[] = [];
    await expect
      .poll(async () => {
        after = await scrape();
        return (value(after, 'convoy_tasks_total', { state: 'finished' }) ?? 0) - finishedBefore;
      }, { timeout: 30_000 })
      .toBeGreaterThanOrEqual(50);
    await expect.poll(async () => (value((after = await scrape()), 'convoy_tasks_total', { state: 'failed' }) ?? 0) - failedBefore, { timeout: 30_000 }).toBe(1);
    await expect.poll(async () => value((after = await scrape()), 'convoy_tune_trials', { run: 'metrics-grid', status: 'terminated' }), { timeout: 30_000 }).toBe(2);

    expect(value(after, 'convoy_progress_done', { id: 'collect-test' })).toBe(1200);
    expect(value(after, 'convoy_progress_total', { id: 'collect-test' })).toBe(5000);
    expect(value(after, 'convoy_progress_eta_seconds', { id: 'collect-test' })).toBe(12.7);
    expect(value(after, 'convoy_progress_extra', { id: 'collect-test', name: 'apiRequests' })).toBe(17);
    expect(value(after, 'convoy_progress_extra', { id: 'collect-test', name: 'shards' }), 'a text extra is no metric').toBeUndefined();
    const best = value(after, 'convoy_tune_best', { run: 'metrics-grid', metric: 'loss', mode: 'min' });
    expect(best).toBeTypeOf('number');
    expect(Number.isFinite(best)).toBe(true);
  });

  it("drops a driver's progress bar once the driver has gone", async () => {
    const driver = await connect(local.address, { token: local.token });
    driver.reportProgress({ id: 'short-lived', label: 'a driver that ends', done: 3, total: 9, rate: 1, etaS: 6 });
    await expect.poll(async () => value(await scrape(), 'convoy_progress_done', { id: 'short-lived' }), { timeout: 10_000 }).toBe(3);
    await driver.close();
    await expect.poll(async () => value(await scrape(), 'convoy_progress_done', { id: 'short-lived' }), { timeout: 10_000 }).toBeUndefined();
    // The other driver's bar stays.
    expect(value(await scrape(), 'convoy_progress_done', { id: 'collect-test' })).toBe(1200);
  });

  it("plots in the repository's Grafana dashboard only metrics the head serves", async () => {
    const dashboard = JSON.parse(readFileSync(new URL('../../grafana/convoy-dashboard.json', import.meta.url), 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
    const served = new Set((await scrape()).map((f) => f.name));
    const used = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/\bconvoy_[a-z0-9_]+/g) ?? []));
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter((name) => !served.has(name))).toEqual([]);
  });

  it('serves the same text without the token on the scrape port, and nothing else there', async () => {
    expect(local.metricsAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    const families = await scrape(`http://${local.metricsAddress}/metrics`, {});
    expect(value(families, 'convoy_nodes', { state: 'alive' })).toBe(2);
    for (const [method, path] of [['GET', '/api/status'], ['GET', '/'], ['POST', '/metrics'], ['GET', '/api/jobs']] as const) {
      const res = await fetch(`http://${local.metricsAddress}${path}`, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(await res.text()).toBe('only GET /metrics is served on this port\n');
    }
  });
});
