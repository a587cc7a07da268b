// What a user sees when a command fails, from the real `convoy` binary: one line `convoy: …` naming the
// problem and the fix, exit status 2 for usage errors (checked before any process starts) and 1 for the rest,
// no stack unless CONVOY_DEBUG=1, and no gRPC text.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Command, InvalidArgumentError } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../cluster/cli/program.ts';
import { startTestCluster, type TestCluster } from '../helpers/cluster.ts';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../bin/convoy.mjs');
const TRAINABLES = path.resolve(import.meta.dirname, '../fixtures/tasks/trainables.ts');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  /** What the command left in its CONVOY_HOME: a session folder for every head it started. */
  home: string[];
}

/** Runs convoy with a fresh CONVOY_HOME and no provider keys or cluster address from this process. */
async function convoy(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'convoy-cli-errors-'));
  const { TOMTOM_API_KEY: _t, HERE_API_KEY: _h, MAPBOX_ACCESS_TOKEN: _m, CONVOY_ADDRESS: _a, CONVOY_DEBUG: _d, ...rest } = process.env;
  const r = await run(process.execPath, [CLI, ...args], { env: { ...rest, CONVOY_HOME: home, ...env }, timeout: 120_000 }).then(
    (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
  return { ...r, home: readdirSync(home) };
}

/** The one line a failure prints. */
function oneLine(r: Outcome): string {
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(lines, r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  return lines[0]!;
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

const collect = ['collect', '--source', 'synthetic', '--cities', 'berlin', '--from', '2026-01-01', '--to', '2026-01-02', '--target', '100', '--lake', '/tmp/convoy-never'];
const tuneArgs = ['tune', '--space', '{}', '--lake', '/tmp/convoy-never', '--train-to', '2026-01-02', '--valid-to', '2026-01-03'];
const withFlag = (flag: string, value: string) => collect.map((a, i) => (collect[i - 1] === flag ? value : a));

describe('usage errors, before any process starts', () => {
  it('exit 2 with one line naming the flag and the fix', { timeout: 400_000 }, async () => {
    const cases: [string[], RegExp | string][] = [
      [withFlag('--cities', 'atlantis'), /^convoy: --cities: unknown city "atlantis": use one of new_york, .*, or all$/],
      [withFlag('--from', '2026-13-01'), 'convoy: --from: "2026-13-01" is not a calendar date (there is no month 13)'],
      [withFlag('--to', '2026-02-30'), 'convoy: --to: "2026-02-30" is not a calendar date (2026-02 has no day 30)'],
      [withFlag('--to', '2025-12-31'), 'convoy: --to: must be after --from (the range is [from, to): to is exclusive)'],
      [withFlag('--target', '1.5'), 'convoy: --target must be a positive whole number (e.g. 1000000 or 1e6), got "1.5"'],
      [withFlag('--source', 'waze'), 'convoy: --source must be one of synthetic, tomtom, here, mapbox, got "waze"'],
      [withFlag('--lake', 'ftp://host/lake'), /^convoy: --lake: Unsupported storage URL scheme "ftp"/],
      [[...collect, '--bogus'], "convoy: unknown option '--bogus' (see convoy collect --help)"],
      [collect.slice(0, 5), "convoy: required option '--from <date>' not specified (see convoy collect --help)"],
      [['nosuchcommand'], "convoy: unknown command 'nosuchcommand' (see convoy --help)"],
      [['start', '--head', '--max-task-log', '0'], 'convoy: --max-task-log must be a whole number ≥ 1, got "0"'],
      [[...tuneArgs, '--model', 'gru', '--history', '0'], 'convoy: model "gru" needs history ≥ 1 (five-minute readings it reads before forecasting) (model gru, history 0)'],
      [[...tuneArgs, '--model', 'lstm'], /^convoy: --model cannot be "lstm": /],
      [[...tuneArgs, '--horizons', '15,7', '--history', '12'], /^convoy: --horizons cannot be \[15,7\]: /],
      [['tune', '--space', '{"model": ["gru", "mlp"]}', ...tuneArgs.slice(3), '--model', 'gru'], 'convoy: --model and --space both set "model": give it one way'],
    ];
    // Three at a time: each is a whole CLI start, and the machine may be busy with other suites.
    const outcomes: Outcome[] = [];
    for (let i = 0; i < cases.length; i += 3) outcomes.push(...(await Promise.all(cases.slice(i, i + 3).map(([args]) => convoy(args)))));
    outcomes.forEach((r, i) => {
      const [args, expected] = cases[i]!;
      expect(r.code, args.join(' ')).toBe(2);
      const line = oneLine(r);
      if (typeof expected === 'string') expect(line).toBe(expected);
      else expect(line).toMatch(expected);
      expect(r.home, 'no head was started').toEqual([]);
    });
  });

  it('a command that needs a subcommand shows its help, with status 2', async () => {
    const r = await convoy(['lake']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Usage: convoy lake \[options\] \[command\]/);
  });

  it('a missing provider key names the variable to set, before a cluster starts', async () => {
    const r = await convoy(['collect', '--source', 'tomtom', '--cities', 'berlin', '--from', '2026-01-01', '--to', '2026-01-02', '--target', '10', '--lake', '/tmp/convoy-never']);
    expect(r.code).toBe(2);
    expect(oneLine(r)).toBe(
      'convoy: no tomtom API key: set TOMTOM_API_KEY (export TOMTOM_API_KEY=YOUR_KEY; several keys comma-separated), or give a secrets file holding {"tomtom": "KEY"} (--secrets-file FILE or CONVOY_SECRETS_FILE)',
    );
    expect(r.home).toEqual([]);
  });

  it('shows the stack only with CONVOY_DEBUG=1', async () => {
    const args = withFlag('--cities', 'atlantis');
    const debug = await convoy(args, { CONVOY_DEBUG: '1' });
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/^convoy: --cities: unknown city "atlantis"/);
    expect(debug.stderr).toMatch(/^\s+at /m);
  });

  it('runCli maps option parsers and subcommands added after the program was built to exit 2', async () => {
    const program = new Command('convoy');
    program.command('late').option('--n <n>', 'a number', (v: string) => {
      if (!/^\d+$/.test(v)) throw new InvalidArgumentError('--n must be a number');
      return Number(v);
    });
    const errors: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((m: string) => void errors.push(m));
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((m: string | Uint8Array) => (errors.push(String(m)), true));
    const before = process.exitCode;
    try {
      await runCli(program, ['node', 'convoy', 'late', '--n', 'x']);
      expect(process.exitCode).toBe(2);
      expect(errors.join('')).toBe("convoy: option '--n <n>' argument 'x' is invalid. --n must be a number (see convoy late --help)\n");
    } finally {
      spy.mockRestore();
      write.mockRestore();
      process.exitCode = before;
    }
  });
});

describe('failures reaching or starting a head', () => {
  let t: TestCluster;
  let busy: Server;
  beforeAll(async () => {
    t = await startTestCluster({ workers: 1, cpusPerWorker: 1 });
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    await t?.stop();
    await new Promise((r) => busy?.close(r));
  });

  it('say what is wrong in words, without gRPC text', { timeout: 240_000 }, async () => {
    const port = await closedPort();
    const busyPort = (busy.address() as { port: number }).port;
    const [refused, unresolvable, wrongToken, bind] = await Promise.all([
      convoy(['status', '--address', `127.0.0.1:${port}`], { CONVOY_TOKEN: 'x' }),
      convoy(['memory', '--address', 'no-such-host.invalid:6380'], { CONVOY_TOKEN: 'x' }),
      convoy(['status', '--address', t.local.address], { CONVOY_TOKEN: 'not-the-token' }),
      convoy(['start', '--head', '--port', String(busyPort), '--dashboard-port', '0']),
    ]);
    for (const r of [refused, unresolvable, wrongToken, bind]) {
      expect(r.code).toBe(1);
      expect(r.stderr).not.toMatch(/UNAVAILABLE|UNAUTHENTICATED|No connection established|No address added|resolved errors|head at local/);
    }
    expect(oneLine(refused)).toBe(`convoy: could not connect to the Convoy head at 127.0.0.1:${port}: connection refused; is it running? (convoy start --head)`);
    expect(oneLine(unresolvable)).toBe('convoy: could not connect to the Convoy head at no-such-host.invalid:6380: the host name does not resolve; check the address (HOST:PORT)');
    expect(oneLine(wrongToken)).toBe(
      `convoy: the head at ${t.local.address} refused the cluster token from CONVOY_TOKEN (missing or wrong cluster token (send authorization: Bearer TOKEN)); ` +
        'if the head was restarted it has a new token: pass --token-file with its new token file, or set CONVOY_TOKEN',
    );
    expect(oneLine(bind)).toBe(
      `convoy: the head failed to start: cannot listen on 127.0.0.1:${busyPort}: the port is already in use (another Convoy head or program holds it); pick another port with --port, or stop what holds it`,
    );
  });

  it('convoy tune exits non-zero with the reason when no trial reported the metric', { timeout: 180_000 }, async () => {
    const storage = mkdtempSync(path.join(os.tmpdir(), 'convoy-tune-nometric-'));
    const r = await convoy(
      ['tune', '--trainable', `${TRAINABLES}#Curve`, '--space', '{"x": [0]}', '--metric', 'validMae', '--max-iterations', '1', '--storage', storage, '--address', t.local.address],
      { CONVOY_TOKEN: t.local.token },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^convoy: no trial reported validMae: all 1 trial\(s\) failed \(first: trial_00000: step\(\) of trial_00000 returned no "validMae" \(it returned: loss, steps\)\); the run's state is in /m);
  });
});
