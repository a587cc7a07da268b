/**
 * Collective groups between real processes on loopback: allreduce equals the sum computed locally for sizes
 * from one element to 100 MB on 2, 3 and 4 ranks, with bit-identical results on every rank; broadcast and
 * barrier; and the failures a user meets: a dead peer, a stopped (partitioned) peer, a wrong token, ranks that
 * disagree on a vector's length. Each failure is an error naming the peer, never a hang.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { tsxLoaderUrl } from '../../cluster/common/spawn.ts';
import type { Command } from '../fixtures/collective/rank.ts';

const RANK = new URL('../fixtures/collective/rank.ts', import.meta.url).pathname;
const TOKEN = 'collective-test-token';
let procs: ChildProcess[] = [];

afterEach(() => {
  for (const p of procs) {
    p.kill('SIGCONT');
    p.kill('SIGKILL');
  }
  procs = [];
});

type Reply = Record<string, unknown> & { error?: string; name?: string };

function ask(p: ChildProcess, c: Command): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null, signal: string | null) => reject(new Error(`rank process exited (${code ?? signal}) before answering ${c.type}`));
    p.once('exit', onExit);
    const onMessage = (m: Reply) => {
      if (m.repeating) return;
      p.off('message', onMessage);
      p.off('exit', onExit);
      resolve(m);
    };
    p.on('message', onMessage);
    p.send(c);
  });
}

/** `n` rank processes joined into one group. */
async function group(n: number, open: Partial<Extract<Command, { type: 'open' }>> = {}, name = 'g'): Promise<ChildProcess[]> {
  const ranks = Array.from({ length: n }, () => fork(RANK, [], { execArgv: ['--import', tsxLoaderUrl()], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  procs.push(...ranks);
  const addresses = (await Promise.all(ranks.map((p) => ask(p, { type: 'open', token: TOKEN, ...open })))).map((r) => r.address as string);
  const joined = await Promise.all(ranks.map((p, rank) => ask(p, { type: 'join', group: name, rank, addresses })));
  for (const j of joined) expect(j).toEqual({ joined: true });
  return ranks;
}

describe('collective groups across processes', () => {
  it.each([2, 3, 4])('allreduce on %i ranks equals the local sum, bit-identical on every rank, from 1 element to 100 MB', async (n) => {
    const ranks = await group(n);
    // 1 and 1000 go direct; 65_537 (just over the 256 KiB direct limit) and up go round the ring, in segments.
    for (const length of [1, 1000, 65_537, 1_000_003, 26_214_400]) {
      const replies = await Promise.all(ranks.map((p) => ask(p, { type: 'allreduce', length })));
      for (const r of replies) {
        expect(r.error).toBeUndefined();
        expect(r.maxError).toBe(0);
        expect(r.untouched).toBe(true);
      }
      expect(new Set(replies.map((r) => r.digest)).size).toBe(1);
    }
    const means = await Promise.all(ranks.map((p) => ask(p, { type: 'allreduce', length: 300_001, op: 'mean' })));
    for (const r of means) expect(r.maxError as number).toBeLessThan(1e-6);
    expect(new Set(means.map((r) => r.digest)).size).toBe(1);
  }, 240_000);

  it.each([
    ['direct', 300],
    ['ring', 70_000],
  ])('back-to-back allreduces (%s) stay in step on 4 ranks when a fast rank runs ahead', async (_, length) => {
    const ranks = await group(4);
    const replies = await Promise.all(ranks.map((p) => ask(p, { type: 'burst', length: length as number, times: 60 })));
    for (const r of replies) expect(r).toMatchObject({ wrong: 0 });
    expect(new Set(replies.map((r) => r.digest)).size).toBe(1);
  }, 120_000);

  it('a group of one joins and reduces to itself', async () => {
    const [only] = await group(1);
    expect(await ask(only!, { type: 'allreduce', length: 1000 })).toMatchObject({ maxError: 0 });
    expect(await ask(only!, { type: 'barrier' })).toEqual({ passed: true });
  }, 60_000);

  it('broadcast delivers the root’s vector to every rank, small and large; barrier passes', async () => {
    const ranks = await group(3);
    for (const [length, root] of [[10, 2], [3_000_000, 1]] as const) {
      const replies = await Promise.all(ranks.map((p) => ask(p, { type: 'broadcast', length, root })));
      for (const r of replies) expect(r).toEqual({ wrong: 0 });
    }
    const barrier = await Promise.all(ranks.map((p) => ask(p, { type: 'barrier' })));
    expect(barrier).toEqual(ranks.map(() => ({ passed: true })));
  }, 120_000);

  it('a peer killed mid-run fails the others’ allreduce with an error naming it', async () => {
    const ranks = await group(3);
    const running = ranks.slice(0, 2).map((p) => ask(p, { type: 'repeat', length: 500_000 }));
    const third = ask(ranks[2]!, { type: 'repeat', length: 500_000 }).catch(() => undefined);
    await new Promise((r) => ranks[2]!.once('message', r)); // it is repeating
    ranks[2]!.kill('SIGKILL');
    await third;
    const replies = await Promise.all(running);
    for (const r of replies) {
      expect(r.name).toBe('CollectiveError');
      expect(r.error).toMatch(/rank \d .*(closed its connection|broken)/);
    }
  }, 60_000);

  it('a stopped (partitioned) peer fails the step after the timeout instead of hanging', async () => {
    const ranks = await group(2, { timeoutMs: 1500 });
    const first = ask(ranks[0]!, { type: 'repeat', length: 100_000 });
    const second = ask(ranks[1]!, { type: 'repeat', length: 100_000 });
    await new Promise((r) => ranks[1]!.once('message', r));
    ranks[1]!.kill('SIGSTOP');
    const reply = await first;
    expect(reply.name).toBe('CollectiveError');
    expect(reply.error).toMatch(/no data from rank 1 for 1500 ms/);
    ranks[1]!.kill('SIGKILL');
    await second.catch(() => undefined);
  }, 60_000);

  it('ranks that pass vectors of different lengths get an error naming the mismatch', async () => {
    const ranks = await group(2);
    const replies = await Promise.all([ask(ranks[0]!, { type: 'allreduce', length: 100_000 }), ask(ranks[1]!, { type: 'allreduce', length: 100_001 })]);
    expect(replies.some((r) => /ranks must pass vectors of the same length/.test(r.error ?? ''))).toBe(true);
    for (const r of replies) expect(r.name).toBe('CollectiveError');
  }, 60_000);

  it('a rank with the wrong token is dropped without an answer, and join says what went wrong', async () => {
    const good = fork(RANK, [], { execArgv: ['--import', tsxLoaderUrl()], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const bad = fork(RANK, [], { execArgv: ['--import', tsxLoaderUrl()], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    procs.push(good, bad);
    const addresses = [
      (await ask(good, { type: 'open', token: TOKEN, joinTimeoutMs: 3000 })).address as string,
      (await ask(bad, { type: 'open', token: 'not-the-token', joinTimeoutMs: 3000 })).address as string,
    ];
    const [g, b] = await Promise.all([ask(good, { type: 'join', group: 'g', rank: 0, addresses }), ask(bad, { type: 'join', group: 'g', rank: 1, addresses })]);
    expect(b.name).toBe('CollectiveError');
    expect(b.error).toMatch(/closed the connection without accepting this rank \(a wrong cluster token/);
    expect(g.name).toBe('CollectiveError');
    expect(g.error).toMatch(/rank 1 .*(did not connect|closed the connection|did not accept)/);
  }, 60_000);
});
