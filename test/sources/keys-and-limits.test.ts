import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MissingApiKeyError, SecretsFileError, ApiKey, backoffDelayMs, parseRetryAfter, QuotaLedger, redactText, redactUrl, loadApiKeys, TokenBucket } from '../../tasks/sources/index.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'convoy-keys-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('API keys', () => {
  it('never shows its value when printed, logged or serialised', () => {
    const key = new ApiKey('super-secret-value');
    expect(String(key)).not.toContain('super-secret');
    expect(JSON.stringify({ key })).not.toContain('super-secret');
    expect(inspect({ key })).not.toContain('super-secret');
    expect(`${key}`).toBe(`ApiKey(${key.id})`);
    expect(key.reveal()).toBe('super-secret-value');
    expect(new ApiKey('super-secret-value').id).toBe(key.id);
  });

  it('reads several keys from the environment, then the secrets file', async () => {
    const file = join(dir, 'secrets.json');
    await writeFile(file, JSON.stringify({ tomtom: ['file-key-1', 'env-key-2'], here: 'here-key' }));
    await chmod(file, 0o600);
    const keys = await loadApiKeys('tomtom', { env: { TOMTOM_API_KEY: 'env-key-1, env-key-2' }, secretsFile: file });
    expect(keys.map((k) => k.reveal())).toEqual(['env-key-1', 'env-key-2', 'file-key-1']);
    const here = await loadApiKeys('here', { env: { CONVOY_SECRETS_FILE: file } });
    expect(here.map((k) => k.reveal())).toEqual(['here-key']);
  });

  it('refuses a secrets file readable by others, and says how to fix it', async () => {
    const file = join(dir, 'open.json');
    await writeFile(file, JSON.stringify({ tomtom: 'k' }));
    await chmod(file, 0o644);
    await expect(loadApiKeys('tomtom', { env: {}, secretsFile: file })).rejects.toThrow(/mode 644.*chmod 600/);
  });

  it('names the env var when no key exists, and never quotes a broken file', async () => {
    await expect(loadApiKeys('mapbox', { env: {} })).rejects.toThrow(MissingApiKeyError);
    await expect(loadApiKeys('mapbox', { env: {} })).rejects.toThrow(/MAPBOX_ACCESS_TOKEN/);
    const file = join(dir, 'broken.json');
    await writeFile(file, '{"tomtom": "leaky-key-value",,}');
    await chmod(file, 0o600);
    const err = await loadApiKeys('tomtom', { env: {}, secretsFile: file }).catch((e) => e);
    expect(err).toBeInstanceOf(SecretsFileError);
    expect(err.message).not.toContain('leaky-key-value');
    expect(inspect(err)).not.toContain('leaky-key-value');
  });

  it('redacts keys in URLs and text', () => {
    expect(redactUrl('https://api.tomtom.com/x?point=1,2&key=abc123&unit=KMPH')).toBe('https://api.tomtom.com/x?point=1,2&key=***&unit=KMPH');
    expect(redactUrl('https://h/v7/flow?apiKey=zzz')).toBe('https://h/v7/flow?apiKey=***');
    expect(redactUrl('https://m/d?access_token=pk.abc&x=1')).toBe('https://m/d?access_token=***&x=1');
    expect(redactText('error for key topsecret1 here', ['topsecret1'])).toBe('error for key *** here');
  });
});

describe('token bucket', () => {
  it('lets a burst through, then spaces requests at the rate', () => {
    let now = 0;
    const b = new TokenBucket(10, 2, () => now);
    expect([b.reserve(), b.reserve()]).toEqual([0, 0]);
    expect(b.reserve()).toBe(100);
    expect(b.reserve()).toBe(200);
    now = 1_000;
    expect(b.reserve()).toBe(0);
  });

  it('pauses after a Retry-After', () => {
    const now = 0;
    const b = new TokenBucket(5, 5, () => now);
    b.pause(2_000);
    expect(b.reserve()).toBeGreaterThanOrEqual(2_000);
  });
});

describe('backoff', () => {
  it('grows exponentially up to the cap, with full jitter', () => {
    const policy = { baseMs: 100, maxMs: 1_000, retries: 5 };
    expect([0, 1, 2, 3, 4].map((a) => backoffDelayMs(a, policy, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:05 GMT', Date.UTC(2015, 9, 21, 7, 28, 0))).toBe(5_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe('quota ledger', () => {
  it('enforces daily and monthly limits in UTC windows, across restarts', () => {
    let now = Date.UTC(2026, 0, 31, 23, 0);
    const path = join(dir, 'ledger.sqlite');
    const a = new QuotaLedger(path, () => now);
    expect(a.reserve('tomtom', 'k1', { perDay: 2, perMonth: 3 })).toMatchObject({ ok: true, dayCount: 1 });
    expect(a.reserve('tomtom', 'k1', { perDay: 2, perMonth: 3 })).toMatchObject({ ok: true, dayCount: 2 });
    const refused = a.reserve('tomtom', 'k1', { perDay: 2, perMonth: 3 });
    expect(refused).toEqual({ ok: false, window: 'day', resetsAt: new Date(Date.UTC(2026, 1, 1)), reason: 'ledger' });
    a.close();

    // Restarted in the same day: still refused. Another key is independent.
    const b = new QuotaLedger(path, () => now);
    expect(b.reserve('tomtom', 'k1', { perDay: 2 }).ok).toBe(false);
    expect(b.reserve('tomtom', 'k2', { perDay: 2 }).ok).toBe(true);
    // The next day opens a new day window, and a new month.
    now = Date.UTC(2026, 1, 1, 0, 30);
    expect(b.reserve('tomtom', 'k1', { perDay: 2, perMonth: 3 })).toMatchObject({ ok: true, dayCount: 1, monthCount: 1 });
    b.close();
  });

  it('blocks a key until its window resets after the provider said over quota', () => {
    let now = Date.UTC(2026, 4, 10, 12);
    const ledger = new QuotaLedger(join(dir, 'l.sqlite'), () => now);
    const until = ledger.block('here', 'k', 'month');
    expect(until.toISOString()).toBe('2026-06-01T00:00:00.000Z');
    expect(ledger.reserve('here', 'k', {})).toMatchObject({ ok: false, reason: 'provider', window: 'month' });
    expect(ledger.usage('here', 'k').blockedUntil).toEqual(until);
    now = Date.UTC(2026, 5, 1, 0, 1);
    expect(ledger.reserve('here', 'k', {}).ok).toBe(true);
    ledger.close();
  });
});
