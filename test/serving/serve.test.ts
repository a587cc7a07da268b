// The forecast service on a real local cluster (a head and a worker process): replica actors load the promoted
// version from a registry on disk, the HTTP front checks the token and the body, answers name their version and
// switch when another version is promoted (no request fails meanwhile), and concurrent requests share replica calls.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../../cluster/storage/index.ts';
import { ModelRegistry, Predictor, trainModel, type Forecast, type SensorHistory } from '../../tasks/training/index.ts';
import { ForecastService } from '../../tasks/serving/forecast-service.ts';
import { startHttpFront, type HttpFront } from '../../tasks/serving/http-front.ts';
import { eventually, startTestCluster, type TestCluster } from '../helpers/cluster.ts';
import { SLOT_MS } from '../internal.ts';
import { openLake } from '../../tasks/lake/index.ts';
import { syntheticTraffic, syntheticTrafficAsync } from '../training/helpers/synthetic-traffic.ts';

const DAY = 86_400_000;
const start = Date.UTC(2024, 0, 1);
const data = { days: 2, segmentsPerCity: 3, cities: ['oslo'], seed: 5 };
const TOKEN = 'test-token-0123456789';

/** Six readings ending at 07:00 on day one, with a small trend per sensor so each request differs. */
function history(sensor: string, bump = 0): SensorHistory {
  const anchor = start + 7 * 3_600_000;
  return {
    sensor,
    timeZone: 'UTC',
    roadClass: 'primary',
    freeFlowSpeedKmh: 60,
    lat: 59.9,
    lon: 10.7,
    readings: Array.from({ length: 6 }, (_, k) => ({ timestamp: new Date(anchor - (5 - k) * SLOT_MS).toISOString(), speedKmh: 50 - k + bump })),
  };
}

interface Served {
  status: number;
  body: { model?: string; version?: number; forecasts?: Forecast[]; error?: { message: string; field?: string } };
}

async function post(front: HttpFront, body: unknown, token = TOKEN): Promise<Served> {
  const res = await fetch(`http://${front.address}/forecast`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Served['body'] };
}

async function healthz(front: HttpFront) {
  const res = await fetch(`http://${front.address}/healthz`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return (await res.json()) as { status: string; version: number; requests: number; batches: number; reloads: number; replicas: { calls: number }[] };
}

describe('convoy serve: the forecast service', () => {
  let c: TestCluster;
  let folder: string;
  let registry: ModelRegistry;
  let service: ForecastService;
  let front: HttpFront;
  const local = new Map<number, Predictor>();

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'convoy-serve-'));
    registry = new ModelRegistry(new LocalStorage(join(folder, 'registry')));
    const common = { data: () => syntheticTrafficAsync(data), trainRange: { to: start + DAY }, epochs: 1, batchSize: 256, backends: ['wasm' as const], model: { kind: 'gru' as const, steps: 6, hidden: 8 } };
    const [a, b] = await Promise.all([trainModel({ ...common, seed: 1 }), trainModel({ ...common, seed: 2, learningRate: 1e-2 })]);
    await registry.register({ model: 'gru', artifacts: a.artifacts });
    await registry.register({ model: 'gru', artifacts: b.artifacts });
    await registry.promote('gru', 1);
    for (const v of [1, 2]) local.set(v, await Predictor.load(registry, 'gru', { version: v, backends: ['wasm'] }));
    const lake = await openLake(join(folder, 'lake'), { threads: 0 });
    let shard = 0;
    for (const batch of syntheticTraffic(data)) await lake.writeShard(`s-${shard++}`, batch);
    await lake.close();
    c = await startTestCluster({ workers: 1, cpusPerWorker: 4 });
    service = await ForecastService.start({ cluster: c.cluster, registry: join(folder, 'registry'), model: 'gru', replicas: 2, lake: join(folder, 'lake'), batch: { maxBatch: 8, maxWaitMs: 5 }, pollMs: 200, backends: ['wasm'] });
    front = await startHttpFront({ service, token: TOKEN });
  }, 240_000);

  afterAll(async () => {
    await front?.close();
    await service?.close();
    await c?.stop();
    for (const p of local.values()) p.close();
    await rm(folder, { recursive: true, force: true });
  }, 60_000);

  it('refuses a request without the right token with 401', async () => {
    expect((await post(front, { sensors: [history('oslo:0')] }, '')).status).toBe(401);
    const wrong = await post(front, { sensors: [history('oslo:0')] }, 'not-the-token');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error!.message).toMatch(/Authorization: Bearer/);
    expect((await fetch(`http://${front.address}/healthz`)).status).toBe(401);
  });

  it('refuses a malformed body with 400 naming the field', async () => {
    const bad = async (body: unknown, field: string, message: RegExp) => {
      const r = await post(front, body);
      expect(r.status).toBe(400);
      expect(r.body.error!.field).toBe(field);
      expect(r.body.error!.message).toMatch(message);
    };
    await bad('{"sensors": [', '(body)', /not JSON/);
    await bad({ sensors: [history('oslo:0'), { ...history('oslo:1'), freeFlowSpeedKmh: 'fast' }] }, 'sensors[1].freeFlowSpeedKmh', /must be a finite number/);
    await bad({ sensors: [{ ...history('oslo:0'), speed_kmh: 3 }] }, 'sensors[0].speed_kmh', /not a field here/);
    await bad({ readings: [] }, 'sensors', /is missing/);
    // What only the model can judge comes back from the replica, named the same way.
    await bad({ sensors: [{ ...history('oslo:0'), readings: history('oslo:0').readings!.slice(3) }] }, 'sensors[0].readings', /needs the last 6/);
    await bad({ sensors: [{ ...history('oslo:0'), roadClass: 'footway' }] }, 'sensors[0].roadClass', /must be one of motorway/);
    await bad({ fromLake: { at: 'soon' } }, 'fromLake.at', /is not a date/);
  });

  it('reads the history from the lake for a request that names sensors only', async () => {
    const at = start + 17 * 3_600_000;
    const r = await post(front, { fromLake: { sensors: ['oslo:1', 'oslo:2'], at: new Date(at).toISOString() } });
    expect(r.status).toBe(200);
    const lake = await openLake(join(folder, 'lake'), { threads: 0 });
    const expected = await local.get(r.body.version!)!.forecastFromLake(lake, { sensors: ['oslo:1', 'oslo:2'], at });
    await lake.close();
    expect(r.body.forecasts!.map((f) => [f.sensor, f.at])).toEqual(expected.forecasts.map((f) => [f.sensor, f.at]));
    r.body.forecasts!.forEach((f, i) => f.horizons.forEach((h, k) => expect(h.speedKmh).toBeCloseTo(expected.forecasts[i]!.horizons[k]!.speedKmh!, 3)));
    // Before the lake's first reading: 422, naming the sensor and the empty slot.
    const early = await post(front, { fromLake: { sensors: ['oslo:1'], at: start + 60_000 } });
    expect(early.status).toBe(422);
    expect(early.body.error!.message).toMatch(/"oslo:1" has no reading in the lake for the slot at 2023-12-31T23:35:00\.000Z/);
  });

  it('answers with the promoted version, and switches when another is promoted without failing a request', { timeout: 120_000 }, async () => {
    const first = await post(front, { sensors: [history('oslo:0'), history('oslo:1', 3)] });
    expect(first.status).toBe(200);
    expect(first.body.version).toBe(1);
    expect(first.body.model).toBe('gru');
    const expected = await local.get(1)!.forecast([history('oslo:0'), history('oslo:1', 3)]);
    expect(first.body.forecasts!.map((f) => f.horizons.map((h) => h.minutes))).toEqual([[15, 30, 60], [15, 30, 60]]);
    first.body.forecasts!.forEach((f, i) => f.horizons.forEach((h, k) => expect(h.speedKmh).toBeCloseTo(expected[i]!.horizons[k]!.speedKmh!, 3)));

    await registry.promote('gru', 2);
    const versions: number[] = [];
    const failures: Served[] = [];
    // Requests keep coming while the replicas reload: every one is answered, old version first, then the new.
    await eventually(
      async () => {
        const answers = await Promise.all([0, 1, 2].map((k) => post(front, { sensors: [history(`oslo:${k}`)] })));
        for (const a of answers) {
          if (a.status === 200) versions.push(a.body.version!);
          else failures.push(a);
        }
        return versions.at(-1) === 2 && versions.at(-2) === 2;
      },
      60_000,
      'answers from version 2',
    );
    expect(failures).toEqual([]);
    expect(versions[0]).toBe(1);
    await eventually(async () => (await healthz(front)).version === 2, 30_000, 'every replica on version 2');
    const after = await post(front, { sensors: [history('oslo:0')] });
    const v2 = await local.get(2)!.forecast([history('oslo:0')]);
    after.body.forecasts![0]!.horizons.forEach((h, k) => expect(h.speedKmh).toBeCloseTo(v2[0]!.horizons[k]!.speedKmh!, 3));
    const health = await healthz(front);
    expect(health).toMatchObject({ status: 'ok', version: 2, reloads: 1 });
  });

  it('batches concurrent requests: 12 requests, at most 4 a batch, make 3 replica calls', { timeout: 120_000 }, async () => {
    // A batch waits up to a minute for its 4th request, so the count depends on arrivals, never on timing.
    const batching = await ForecastService.start({ cluster: c.cluster, registry: join(folder, 'registry'), model: 'gru', replicas: 2, replicaCpus: 0, batch: { maxBatch: 4, maxWaitMs: 60_000 }, backends: ['wasm'] });
    const batchFront = await startHttpFront({ service: batching, token: TOKEN });
    try {
      const answers = await Promise.all(Array.from({ length: 12 }, (_, k) => post(batchFront, { sensors: [history(`oslo:${k % 3}`, k)] })));
      expect(answers.map((a) => a.status)).toEqual(new Array(12).fill(200));
      // Each answer is its own request's forecast, not a neighbour's from the same batch.
      const expected = await local.get(2)!.forecast(Array.from({ length: 12 }, (_, k) => history(`oslo:${k % 3}`, k)));
      answers.forEach((a, k) => expect(a.body.forecasts![0]!.horizons[0]!.speedKmh).toBeCloseTo(expected[k]!.horizons[0]!.speedKmh!, 3));
      const health = await healthz(batchFront);
      expect(health.requests).toBe(12);
      expect(health.batches).toBe(3);
      expect(health.replicas.map((r) => r.calls).reduce((a, b) => a + b, 0)).toBe(3);
      // Least-loaded with round-robin among equals: both replicas got work.
      expect(health.replicas.every((r) => r.calls >= 1)).toBe(true);
      // In one batch with three good requests, a service without a lake refuses the lake request alone, saying how to fix it.
      const noLake = post(batchFront, { fromLake: { sensors: ['oslo:0'] } });
      const good = await Promise.all([0, 1, 2].map((k) => post(batchFront, { sensors: [history(`oslo:${k}`)] })));
      expect(good.map((a) => a.status)).toEqual([200, 200, 200]);
      expect(await noLake).toMatchObject({ status: 400, body: { error: { field: 'fromLake', message: expect.stringMatching(/reads no lake.*--lake/) } } });
      expect((await healthz(batchFront)).batches).toBe(4);
    } finally {
      await batchFront.close();
      await batching.close();
    }
  });
});
