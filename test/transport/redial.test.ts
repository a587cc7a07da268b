import { describe, expect, it } from 'vitest';
import { redial } from '../../cluster/transport/redial.ts';
import { AuthError } from '../../cluster/common/errors.ts';

const BACKOFF = { initialMs: 100, multiplier: 2, maxMs: 1000, jitter: 0 };

/** A fake clock: sleeping advances it, so deadlines are exact and the test takes no time. */
function clock() {
  let t = 0;
  const waits: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      waits.push(ms);
      t += ms;
    },
    waits,
  };
}

describe('redial', () => {
  it('waits a growing backoff before each try and returns the first success', async () => {
    const c = clock();
    let tries = 0;
    const r = await redial({
      dial: async (n) => {
        tries++;
        if (n < 3) throw new Error(`refused ${n}`);
        return 'session';
      },
      backoff: BACKOFF,
      now: c.now,
      sleep: c.sleep,
    });
    expect(r).toEqual({ outcome: 'connected', value: 'session', attempts: 3 });
    expect(tries).toBe(3);
    expect(c.waits).toEqual([100, 200, 400]);
  });

  it('stops at once on an error no retry can fix', async () => {
    const c = clock();
    const refused = new AuthError('bad token');
    const r = await redial({
      dial: async () => {
        throw refused;
      },
      backoff: BACKOFF,
      isFatal: (err) => err instanceof AuthError,
      now: c.now,
      sleep: c.sleep,
    });
    expect(r).toEqual({ outcome: 'fatal', error: refused, attempts: 1 });
  });

  it('gives up at the deadline with the last real error', async () => {
    const c = clock();
    const seen: number[] = [];
    const r = await redial({
      dial: async (n) => {
        throw new Error(`down ${n}`);
      },
      backoff: BACKOFF,
      timeoutMs: 1000,
      onRetry: (_err, n) => seen.push(n),
      now: c.now,
      sleep: c.sleep,
    });
    expect(r.outcome).toBe('exhausted');
    if (r.outcome !== 'exhausted') return;
    // Waits of 100, 200 and 400 end at 700 < 1000; the fourth wait (800) began before the deadline, so its try runs
    expect(r.attempts).toBe(4);
    expect((r.lastError as Error).message).toBe('down 4');
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  it('honours maxAttempts, and stops without trying when the caller gave up during a wait', async () => {
    const c = clock();
    const r = await redial({ dial: async () => Promise.reject(new Error('no')), backoff: BACKOFF, maxAttempts: 2, now: c.now, sleep: c.sleep });
    expect(r.outcome).toBe('exhausted');
    expect(r.attempts).toBe(2);
    let stop = false;
    let tried = false;
    const s = await redial({
      dial: async () => {
        tried = true;
        return 1;
      },
      backoff: BACKOFF,
      stopped: () => stop,
      sleep: async () => {
        stop = true;
      },
    });
    expect(s).toEqual({ outcome: 'stopped', attempts: 0 });
    expect(tried).toBe(false);
  });
});
