// Tails and follows of log files (common/log-lines.ts): chunk boundaries, filters, partial lines, limits.
import { appendFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LineFollower, MAX_LINE_BYTES, tailLines } from '../../cluster/common/log-lines.ts';
import { isLogId, parseTail, taskLineFilter } from '../../cluster/common/log-query.ts';
import { eventually } from '../helpers/cluster.ts';

const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-log-lines-'));
let n = 0;
const file = (text: string) => {
  const f = path.join(dir, `log-${n++}.log`);
  writeFileSync(f, text);
  return f;
};

describe('tailLines', () => {
  it('returns the last N lines of a file many chunks long, whole across chunk boundaries', async () => {
    // Lines of varying length, so boundaries of the 64 KiB chunks fall inside lines.
    const all = Array.from({ length: 20_000 }, (_, i) => `line ${i} ${'x'.repeat(i % 37)}`);
    const f = file(`${all.join('\n')}\n`);
    expect((await tailLines(f, 5)).lines).toEqual(all.slice(-5));
    const big = await tailLines(f, 15_000);
    expect(big.lines).toEqual(all.slice(-15_000));
    expect(big.truncated).toBe(false);
    expect((await tailLines(f, 100_000)).lines).toEqual(all);
  });

  it('leaves out a last line still being written, and starts the follower before it', async () => {
    const f = file('one\ntwo\nthr');
    const t = await tailLines(f, 10);
    expect(t.lines).toEqual(['one', 'two']);
    expect(t.end).toBe('one\ntwo\n'.length);
  });

  it('keeps only the lines the filter accepts, counting only those towards N', async () => {
    const rec = (taskId: string, msg: string) => JSON.stringify({ time: 1, taskId, msg });
    const f = file([rec('c.1', 'a'), rec('c.10', 'b'), rec('c.1', 'c'), rec('c.2', 'd')].join('\n') + '\n');
    const only = await tailLines(f, 10, taskLineFilter({ taskId: 'c.1' }));
    expect(only.lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['a', 'c']);
    expect((await tailLines(f, 1, taskLineFilter({ taskId: 'c.1' }))).lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['c']);
  });

  it('cuts a very long line, and has no lines for a missing file', async () => {
    const f = file(`${'y'.repeat(MAX_LINE_BYTES + 10)}\nshort\n`);
    const [long, short] = (await tailLines(f, 10)).lines;
    expect(long).toMatch(/^y+… \(cut, 10 more characters\)$/);
    expect(short).toBe('short');
    expect(await tailLines(path.join(dir, 'none.log'), 10)).toEqual({ lines: [], truncated: false, end: 0 });
  });
});

describe('LineFollower', () => {
  it('delivers complete lines appended after its start, a line split over two writes once whole', async () => {
    const f = file('old\n');
    const got: string[] = [];
    const follower = new LineFollower(f, 4, (lines) => got.push(...lines), (l) => !l.startsWith('skip')).start();
    try {
      appendFileSync(f, 'new 1\nskip me\nnew ');
      await eventually(() => got.length === 1, 10_000, 'the first line');
      appendFileSync(f, '2\n');
      await eventually(() => got.length === 2, 10_000, 'the line completed by the second write');
      expect(got).toEqual(['new 1', 'new 2']);
      // A file started again (a restarted process) is read from its start.
      writeFileSync(f, 'again\n');
      await eventually(() => got.length === 3, 10_000, 'the rewritten file');
      expect(got[2]).toBe('again');
    } finally {
      follower.close();
    }
  });
});

describe('log queries', () => {
  it('accepts the ids Convoy makes and refuses paths and quotes', () => {
    for (const id of ['c33476b61.1', 'acf9e57c7e.3', 'node-d7c1fc13', '127.0.0.1:4000', 'job_20261202_ab12']) expect(isLogId(id)).toBe(true);
    for (const id of ['', '../x', '/etc/passwd', 'a"b', 'a\\b', 'a b', '.hidden', 'x'.repeat(129)]) expect(isLogId(id)).toBe(false);
  });

  it('reads --tail as a whole number of lines within bounds', () => {
    expect(parseTail(undefined)).toBe(1000);
    expect(parseTail('20')).toBe(20);
    for (const bad of ['0', '-1', '1.5', 'many', '100001']) expect(typeof parseTail(bad)).toBe('string');
  });
});
