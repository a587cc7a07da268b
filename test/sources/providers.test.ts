/**
 * One suite run against every provider client (TomTom, HERE, Mapbox), each against a local server that
 * answers in that provider's documented JSON: success, 429, 503, 403 over quota, a malformed 200, a timeout,
 * quota bookkeeping that survives a restart, and keys that never leak.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MalformedResponseError, ProviderAuthError, ProviderTimeoutError, QuotaExceededError, QuotaLedger, hereClient, type HereRequest, mapboxClient, type MapboxRequest, tomtomClient, type TomTomRequest } from '../../tasks/sources/index.ts';
import type { ProviderClient, ProviderClientOptions, SourceLogger } from '../../tasks/sources/index.ts';
import { type FakeServer, startFakeServer } from './helpers/fake-server.ts';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/providers');
const fixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));

const KEY_A = 'sk-test-AAAA-1111-secret';
const KEY_B = 'sk-test-BBBB-2222-secret';

interface Case<Req> {
  name: 'tomtom' | 'here' | 'mapbox';
  make: (o: ProviderClientOptions) => ProviderClient<Req>;
  request: (i: number) => Req;
  body: () => Record<string, unknown>;
  samplesPerBody: number;
  keyParam: string;
  path: RegExp;
  overQuotaBody: string;
  breakBody: (b: Record<string, any>) => void;
  brokenField: string;
}

const cases: Case<any>[] = [
  {
    name: 'tomtom',
    make: tomtomClient,
    request: (i): TomTomRequest => ({ city: 'berlin', lat: 52.41 + i / 1000, lon: 13.4 }),
    body: () => fixture('tomtom-flow-segment.json'),
    samplesPerBody: 1,
    keyParam: 'key',
    path: /^\/traffic\/services\/4\/flowSegmentData\/absolute\/10\/json\?point=52\.41/,
    overQuotaBody: '<h1>Developer Over Rate</h1>',
    breakBody: (b) => (b.flowSegmentData.currentSpeed = 'fast'),
    brokenField: 'flowSegmentData.currentSpeed',
  },
  {
    name: 'here',
    make: hereClient,
    request: (): HereRequest => ({ city: 'berlin', bbox: [13.4, 52.5, 13.5, 52.55] }),
    body: () => fixture('here-flow.json'),
    samplesPerBody: 3,
    keyParam: 'apiKey',
    path: /^\/v7\/flow\?in=bbox%3A13\.4%2C52\.5%2C13\.5%2C52\.55&locationReferencing=shape/,
    overQuotaBody: JSON.stringify({ error: 'Forbidden', error_description: 'Quota exceeded for this plan' }),
    breakBody: (b) => delete b.results[1].currentFlow.freeFlow,
    brokenField: 'results.1.currentFlow.freeFlow',
  },
  {
    name: 'mapbox',
    make: mapboxClient,
    request: (): MapboxRequest => ({ city: 'los_angeles', coordinates: [[-122.419415, 37.774929], [-122.414008, 37.776745], [-122.408846, 37.778634]] }),
    body: () => fixture('mapbox-directions.json'),
    samplesPerBody: 4,
    keyParam: 'access_token',
    path: /^\/directions\/v5\/mapbox\/driving-traffic\/-122\.419415,37\.774929;.*annotations=speed%2Cduration%2Cdistance%2Ccongestion/,
    overQuotaBody: JSON.stringify({ message: 'Monthly request limit exceeded' }),
    breakBody: (b) => (b.routes[0].legs[0].annotation.speed = [4.2]),
    brokenField: 'routes.0.legs.0.annotation.duration',
  },
];

describe.each(cases)('$name client', (c) => {
  let server: FakeServer;
  let dir: string;
  let logs: string[];
  const clients: ProviderClient<unknown>[] = [];
  const logger: SourceLogger = {
    debug: (o, m) => logs.push(JSON.stringify({ ...o, m })),
    info: (o, m) => logs.push(JSON.stringify({ ...o, m })),
    warn: (o, m) => logs.push(JSON.stringify({ ...o, m })),
  };
  const client = (o: ProviderClientOptions = {}) => {
    const cl = c.make({ baseUrl: server.url, keys: [KEY_A], ledger: join(dir, 'ledger.sqlite'), backoffBaseMs: 1, logger, env: {}, ...o });
    clients.push(cl);
    return cl;
  };

  beforeAll(async () => {
    server = await startFakeServer();
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), `convoy-${c.name}-`));
    logs = [];
  });
  afterEach(async () => {
    for (const cl of clients.splice(0)) cl.close();
    // Nothing any client logged or threw may contain a key.
    for (const line of logs) {
      expect(line).not.toContain(KEY_A);
      expect(line).not.toContain(KEY_B);
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('turns a documented response into samples, sending the key where the provider expects it', async () => {
    server.script({ body: c.body() });
    const result = await client().collect([c.request(0)]);
    expect(result.failures).toEqual([]);
    expect(result.samples).toBe(c.samplesPerBody);
    expect(result.batches.reduce((n, b) => n + b.numRows, 0)).toBe(c.samplesPerBody);
    expect(server.requests[0]!.url).toMatch(c.path);
    expect(new URL(server.requests[0]!.url, server.url).searchParams.get(c.keyParam)).toBe(KEY_A);
    const source = result.batches[0]!.getChild('source')!;
    expect(source.get(0)).toBe(c.name);
    expect(result.usage).toMatchObject({ provider: c.name, requests: 1, succeeded: 1, failed: 0, samples: c.samplesPerBody });
  });

  it('waits out a 429 (Retry-After) and a 503, then succeeds', async () => {
    server.script({ status: 429, headers: { 'retry-after': '0' }, body: { error: 'Too Many Requests' } }, { status: 503, body: 'busy' }, { body: c.body() });
    const cl = client();
    const samples = await cl.fetch(c.request(0));
    expect(samples).toHaveLength(c.samplesPerBody);
    expect(server.requests).toHaveLength(3);
    expect(cl.usage()).toMatchObject({ requests: 3, retries: 2, rateLimited: 1, succeeded: 1 });
  });

  it('rejects a malformed 200 naming the field, and the rest of the batch goes on', async () => {
    const broken = c.body();
    c.breakBody(broken);
    server.script({ body: c.body() }, { body: broken }, { body: c.body() });
    const result = await client({ concurrency: 1 }).collect([c.request(0), c.request(1), c.request(2)]);
    expect(result.samples).toBe(2 * c.samplesPerBody);
    expect(result.failures).toHaveLength(1);
    const err = result.failures[0]!.error as MalformedResponseError;
    expect(err).toBeInstanceOf(MalformedResponseError);
    expect(err.provider).toBe(c.name);
    expect(err.field).toBe(c.brokenField);
    expect(err.message).toContain(c.brokenField);
    expect(err.message).not.toContain(KEY_A);
    expect(err.url).toContain(`${c.keyParam}=***`);
  });

  it('also rejects a 200 that is not JSON at all', async () => {
    server.script({ body: '<html>maintenance</html>' });
    const result = await client().collect([c.request(0)]);
    expect(result.failures[0]!.error).toBeInstanceOf(MalformedResponseError);
    expect((result.failures[0]!.error as MalformedResponseError).field).toBe('body');
  });

  it('blocks a key the provider says is over quota, moves to the next key, and remembers it after a restart', async () => {
    server.script((req) => (new URL(req.url!, server.url).searchParams.get(c.keyParam) === KEY_A ? { status: 403, body: c.overQuotaBody } : { body: c.body() }));
    const first = await client({ keys: [KEY_A, KEY_B], concurrency: 1 }).collect([c.request(0), c.request(1)]);
    expect(first.failures).toEqual([]);
    expect(first.samples).toBe(2 * c.samplesPerBody);
    const sentWithA = () => server.requests.filter((r) => new URL(r.url, server.url).searchParams.get(c.keyParam) === KEY_A).length;
    expect(sentWithA()).toBe(1);

    // A new client on the same ledger (a restarted collection) does not try key A again.
    const restarted = await client({ keys: [KEY_A, KEY_B] }).collect([c.request(2)]);
    expect(restarted.samples).toBe(c.samplesPerBody);
    expect(sentWithA()).toBe(1);

    // With key A alone, the collection stops cleanly with a QuotaExceededError and nothing attempted.
    const alone = await client({ keys: [KEY_A] }).collect([c.request(3), c.request(4)]);
    expect(alone.stoppedBy).toBeInstanceOf(QuotaExceededError);
    expect(alone.stoppedBy!.source).toBe('provider');
    expect(alone.stoppedBy!.resetsAt.getTime()).toBeGreaterThan(Date.now());
    expect(alone.stoppedBy!.message).not.toContain(KEY_A);
    expect(alone.unattempted).toEqual([c.request(3), c.request(4)]);
    expect(alone.failures).toEqual([]);
    expect(sentWithA()).toBe(1);
  });

  it('honours its own quota from the ledger without asking the provider', async () => {
    server.script({ body: c.body() });
    const quota = { perDay: 2 };
    const result = await client({ quota, concurrency: 1 }).collect([c.request(0), c.request(1), c.request(2)]);
    expect(result.samples).toBe(2 * c.samplesPerBody);
    expect(result.stoppedBy).toBeInstanceOf(QuotaExceededError);
    expect(result.stoppedBy!.source).toBe('ledger');
    expect(server.requests).toHaveLength(2);
    const ledger = new QuotaLedger(join(dir, 'ledger.sqlite'));
    try {
      const keyId = result.stoppedBy!.keyId;
      expect(keyId).toMatch(/^[0-9a-f]{12}$/);
      expect(ledger.usage(c.name, keyId).dayCount).toBe(2);
    } finally {
      ledger.close();
    }
  });

  it('gives up on a server that never answers with a ProviderTimeoutError', async () => {
    server.script({ hang: true });
    const result = await client({ timeoutMs: 150, retries: 1 }).collect([c.request(0)]);
    const err = result.failures[0]!.error as ProviderTimeoutError;
    expect(err).toBeInstanceOf(ProviderTimeoutError);
    expect(err.attempts).toBe(2);
    expect(err.message).toMatch(/within 150 ms/);
    expect(err.message).not.toContain(KEY_A);
  });

  it('reports an invalid key as ProviderAuthError without retrying', async () => {
    server.script({ status: 401, body: { error: `invalid key ${KEY_A}` } });
    const result = await client().collect([c.request(0)]);
    const err = result.failures[0]!.error as ProviderAuthError;
    expect(err).toBeInstanceOf(ProviderAuthError);
    expect(server.requests).toHaveLength(1);
    expect(err.message).not.toContain(KEY_A);
    expect(err.bodySnippet).toContain('***');
  });

  it('counts requests and estimated cost, reporting progress as it goes', async () => {
    server.script({ body: c.body() });
    const progress: number[] = [];
    const result = await client({ quota: { perDay: 100 }, catalog: { free: { window: 'day', requests: 1 }, tiers: [{ upTo: Infinity, usdPer1000: 1000 }] } }).collect(
      [c.request(0), c.request(1), c.request(2)],
      { onProgress: (p) => progress.push(p.done) },
    );
    expect(progress.sort()).toEqual([1, 2, 3]);
    // One free request, then two at $1 each.
    expect(result.usage.estimatedCostUsd).toBeCloseTo(2, 6);
    expect(result.usage.requests).toBe(3);
  });
});
