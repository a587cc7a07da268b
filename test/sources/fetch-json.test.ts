import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderHttpError, RateLimitedError } from '../../tasks/sources/index.ts';
import { fetchJson } from '../internal.ts';
import { type FakeServer, startFakeServer } from './helpers/fake-server.ts';

describe('fetchJson retry policy', () => {
  let server: FakeServer;
  const waits: number[] = [];
  const opts = { provider: 'tomtom' as const, backoff: { baseMs: 100, maxMs: 1_000, retries: 3 }, sleep: async (ms: number) => void waits.push(ms), random: () => 1 };
  beforeAll(async () => {
    server = await startFakeServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it("retries TomTom's 403 \"Developer Over Qps\" as a rate limit, honouring Retry-After", async () => {
    waits.length = 0;
    server.script({ status: 403, headers: { 'retry-after': '2' }, body: '<h1>Developer Over Qps</h1>' }, { body: { ok: 1 } });
    expect(await fetchJson(`${server.url}/x?key=SECRET`, opts)).toEqual({ ok: 1 });
    expect(waits).toEqual([2_000]);
  });

  it('backs off exponentially on 502 and gives up with the last status', async () => {
    waits.length = 0;
    server.script({ status: 502, body: 'bad gateway' });
    const err: any = await fetchJson(`${server.url}/x?key=SECRET`, opts).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderHttpError);
    expect(err.status).toBe(502);
    expect(err.message).toContain('key=***');
    expect(err.message).not.toContain('SECRET');
    expect(waits).toEqual([100, 200, 400]);
    expect(server.requests).toHaveLength(4);
  });

  it('gives up on a persistent 429 with RateLimitedError carrying retryAfterMs', async () => {
    server.script({ status: 429, headers: { 'retry-after': '7' }, body: 'slow down' });
    const err: any = await fetchJson(`${server.url}/x`, opts).catch((e) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err.retryAfterMs).toBe(7_000);
  });

  it('does not retry a 404', async () => {
    server.script({ status: 404, body: 'no such endpoint' });
    await expect(fetchJson(`${server.url}/x`, opts)).rejects.toThrow(/HTTP 404/);
    expect(server.requests).toHaveLength(1);
  });

  it('reports a refused connection without the key', async () => {
    const dead = await startFakeServer();
    const url = dead.url;
    await dead.close();
    const err: any = await fetchJson(`${url}/x?key=SECRET`, { ...opts, backoff: { baseMs: 1, maxMs: 1, retries: 1 } }).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderHttpError);
    expect(err.status).toBe(0);
    expect(err.message).not.toContain('SECRET');
  });
});
