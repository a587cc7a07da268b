import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { listProcesses } from '../../cluster/common/paths.ts';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../bin/convoy.mjs');
const home = await mkdtemp(path.join(os.tmpdir(), 'convoy-cli-'));
const env: NodeJS.ProcessEnv = { ...process.env, CONVOY_HOME: home };
delete env.CONVOY_TOKEN;
delete env.CONVOY_ADDRESS;
const cli = (args: string[]) => run(process.execPath, [CLI, ...args], { env, timeout: 90_000 });
const fail = (args: string[]) => cli(args).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);

afterAll(async () => {
  await cli(['stop', '--force']).catch(() => undefined);
});

describe('convoy CLI', () => {
  it('starts a head and a worker in the background, shows status, and stops them', { timeout: 240_000 }, async () => {
    const head = await cli(['start', '--head', '--port', '0', '--dashboard-port', '0']);
    expect(head.stdout).toMatch(/Convoy head started/);
    expect(head.stdout).toMatch(/token file: +\S+token/);
    const address = /gRPC address: +(\S+)/.exec(head.stdout)![1]!;
    const worker = await cli(['start', '--address', address, '--num-cpus', '2', '--resources', '{"tomtom_key": 1}']);
    expect(worker.stdout).toMatch(/Convoy worker node-\w+ started/);

    const status = JSON.parse((await cli(['status', '--json'])).stdout) as {
      nodes: { state: string; total: Record<string, number> }[];
      resources: { total: Record<string, number> };
    };
    expect(status.nodes).toHaveLength(1);
    expect(status.nodes[0]!.state).toBe('alive');
    expect(status.resources.total).toMatchObject({ cpu: 2, tomtom_key: 1 });
    const table = (await cli(['status'])).stdout;
    expect(table).toMatch(/tomtom_key: 0 \/ 1/);

    const pids = listProcessesIn(home).map((p) => p.pid);
    expect(pids).toHaveLength(2);
    const stopped = await cli(['stop']);
    expect(stopped.stdout).toMatch(/Stopped 1 head\(s\) and 1 worker\(s\)/);
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });

  it('rejects wrong flags with a message that names the problem', { timeout: 240_000 }, async () => {
    expect((await fail(['start'])).stderr).toMatch(/exactly one of --head or --address/);
    expect((await fail(['start', '--head', '--address', 'x:1'])).stderr).toMatch(/exactly one of --head or --address/);
    expect((await fail(['start', '--address', 'x:1', '--resources', '{bad'])).stderr).toMatch(/--resources must be JSON/);
    expect((await fail(['start', '--address', 'x:1', '--resources', '{"cpu": 2}'])).stderr).toMatch(/--num-cpus/);
    expect((await fail(['start', '--head', '--port', 'abc'])).stderr).toMatch(/--port must be a whole number/);
    expect((await fail(['start', '--address', 'x:1', '--data-port', '-3'])).stderr).toMatch(/--data-port must be a whole number/);
    expect((await fail(['status'])).stderr).toMatch(/no head runs on this machine/);
    expect((await fail(['frobnicate'])).code).not.toBe(0);
  });
});

function listProcessesIn(dir: string) {
  const prev = process.env.CONVOY_HOME;
  process.env.CONVOY_HOME = dir;
  try {
    return listProcesses();
  } finally {
    process.env.CONVOY_HOME = prev;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
