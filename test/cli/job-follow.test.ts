import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { follow } from '../../cluster/cli/commands/job.ts';

/**
 * `convoy job submit` / `job logs --follow` read the log as one long response. fetch cuts a response that stays
 * quiet for 5 minutes (a driver waiting for workers: the CLI printed `convoy: terminated` after 5m13s), and a
 * dropped connection ends it the same way. A head that drops the stream stands in for both here.
 */
let server: http.Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A head whose follow route answers request N with `answers[N]`: the log so far, then an end or a drop. */
async function head(answers: { log: string; end: boolean }[]): Promise<{ base: string; requests: () => number }> {
  let n = 0;
  server = http.createServer((req, res) => {
    expect(req.url).toBe('/api/jobs/j1/logs?follow=1');
    expect(req.headers.authorization).toBe('Bearer tok');
    const answer = answers[Math.min(n++, answers.length - 1)]!;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write(answer.log, () => (answer.end ? res.end() : setImmediate(() => res.socket?.destroy())));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => n };
}

const target = (base: string) => ({ http: base, token: 'tok', tokenSource: 'a test' });

describe('following a job log', () => {
  it('follows again after the stream drops, printing each byte of the log once', async () => {
    const h = await head([
      { log: 'line 1\nline 2\n', end: false },
      { log: 'line 1\nline 2\n', end: false }, // nothing new: still waiting
      { log: 'line 1\nline 2\nline 3\n', end: true },
    ]);
    const printed: string[] = [];
    await follow(target(h.base), 'j1', (c) => printed.push(Buffer.from(c).toString()));
    expect(printed.join('')).toBe('line 1\nline 2\nline 3\n');
    expect(h.requests()).toBe(3);
  });

  it('gives up, naming the job and the command that reads its log, when drops bring nothing new', async () => {
    const h = await head([{ log: 'only line\n', end: false }]);
    const printed: string[] = [];
    await expect(follow(target(h.base), 'j1', (c) => printed.push(Buffer.from(c).toString()))).rejects.toThrow(
      /lost the log stream of j1 5 times in a row .*convoy job logs j1/,
    );
    expect(printed.join('')).toBe('only line\n');
  });
});
