// `convoy start --head --resume`: a head killed without warning, restarted by hand on its session, is the same
// cluster again: same gRPC and dashboard addresses, same token, its worker back without being restarted, its
// running job reattached and finished. And the ways it refuses, each in one line naming the fix.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../cluster/common/paths.ts';
import { eventually } from '../helpers/cluster.ts';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../bin/convoy.mjs');

describe('convoy start --head --resume', () => {
  let home: string;
  let work: string;
  const convoy = (args: string[]) => {
    const { CONVOY_TOKEN: _t, CONVOY_ADDRESS: _a, CONVOY_STORE: _s, ...rest } = process.env;
    return run(process.execPath, [CLI, ...args], { env: { ...rest, CONVOY_HOME: home }, timeout: 120_000 }).then(
      (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }),
    );
  };
  beforeAll(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'convoy-resume-'));
    work = mkdtempSync(path.join(os.tmpdir(), 'convoy-resume-job-'));
    // A job that runs across the head's restart: it waits for a file the test writes once the head is back.
    writeFileSync(
      path.join(work, 'driver.mjs'),
      `import { existsSync } from 'node:fs';
const go = process.argv[2];
console.log('waiting');
const t = setInterval(() => { if (existsSync(go)) { clearInterval(t); console.log('released'); } }, 100);`,
    );
  });
  afterAll(async () => {
    await convoy(['stop', '--force']);
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('refuses what it cannot resume, in one line each, before starting anything', async () => {
    const none = await convoy(['start', '--head', '--resume']);
    expect(none.code).toBe(2);
    expect(none.stderr.trim()).toMatch(/^convoy: --resume: no earlier session here \(.*session_latest does not exist\): start a head with `convoy start --head`/);
    const missing = await convoy(['start', '--head', '--resume', path.join(home, 'session_nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toMatch(/^convoy: --resume: no session folder at .*session_nope/);
    const worker = await convoy(['start', '--address', '127.0.0.1:1', '--resume']);
    expect(worker.code).toBe(2);
    expect(worker.stderr.trim()).toBe('convoy: --resume restarts a head: give it with --head');
  });

  it('brings back a SIGKILLed head on its session: same addresses and token, its worker and running job carry on', { timeout: 300_000 }, async () => {
    const first = await convoy(['start', '--head', '--port', '0', '--dashboard-port', '0']);
    expect(first.code, first.stderr).toBe(0);
    const grpc = /gRPC address: +(\S+)/.exec(first.stdout)![1]!;
    const http = /dashboard: +http:\/\/(\S+)/.exec(first.stdout)![1]!;
    const tokenFile = /token file: +(\S+)/.exec(first.stdout)![1]!;
    const headPid = Number(/pid (\d+)/.exec(first.stdout)![1]);
    const token = readFileSync(tokenFile, 'utf8').trim();
    expect((await convoy(['start', '--address', grpc, '--num-cpus', '1'])).code).toBe(0);
    const nodeId = (JSON.parse((await convoy(['status', '--json'])).stdout) as { nodes: { nodeId: string }[] }).nodes[0]!.nodeId;
    const release = path.join(work, 'go');
    const submitted = await convoy(['job', 'submit', '--no-wait', '--submission-id', 'across', '--working-dir', work, '--', 'node', 'driver.mjs', release]);
    expect(submitted.code, submitted.stderr).toBe(0);
    await eventually(async () => (await convoy(['job', 'logs', 'across'])).stdout.includes('waiting'), 60_000, 'the job running');

    const running = await convoy(['start', '--head', '--resume']);
    expect(running.code).toBe(2);
    expect(running.stderr.trim()).toMatch(new RegExp(`^convoy: the head of .* still runs \\(pid ${headPid}, .*\\): nothing to resume; \`convoy stop\` stops it$`));

    process.kill(headPid, 'SIGKILL');
    await eventually(async () => !isAlive(headPid), 10_000, 'the head gone');
    const resumed = await convoy(['start', '--head', '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(/gRPC address: +(\S+)/.exec(resumed.stdout)![1]).toBe(grpc);
    expect(/dashboard: +http:\/\/(\S+)/.exec(resumed.stdout)![1]).toBe(http);
    expect(realpathSync(/token file: +(\S+)/.exec(resumed.stdout)![1]!)).toBe(realpathSync(tokenFile));
    expect(readFileSync(tokenFile, 'utf8').trim()).toBe(token);

    // The worker was never restarted: it redials the address it knew, keeps its node id, and heartbeats to
    // the new head (the resumed record's clock starts at the restart, so only a heartbeat moves it past this).
    const back = Date.now();
    await eventually(
      async () => {
        const s = JSON.parse((await convoy(['status', '--json'])).stdout || '{}') as { nodes?: { nodeId: string; state: string; lastHeartbeat: number }[] };
        return s.nodes?.length === 1 && s.nodes[0]!.nodeId === nodeId && s.nodes[0]!.state === 'alive' && s.nodes[0]!.lastHeartbeat > back;
      },
      60_000,
      'the worker heartbeating to the resumed head',
    );
    writeFileSync(release, '');
    await eventually(async () => JSON.parse((await convoy(['job', 'status', 'across', '--json'])).stdout || '{}').status === 'SUCCEEDED', 60_000, 'the job finished');
    expect((await convoy(['job', 'logs', 'across'])).stdout).toMatch(/waiting\n[^]*released/);
    expect((await convoy(['stop'])).code).toBe(0);
  });
});
