import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackpressureError, connect } from '../../cluster/client/index.ts';
import { eventually, TASKS } from '../helpers/cluster.ts';
import { tsxLoaderUrl } from '../../cluster/common/spawn.ts';
import type * as basic from '../fixtures/tasks/basic.ts';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * A driver that starts an embedded cluster, prints the pids of its processes (its children: an embedded
 * cluster is in no record), then ends the way it is told.
 */
async function driver(ending: 'exit' | 'hang'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-driver-'));
  const file = path.join(dir, 'driver.mts');
  await writeFile(
    file,
    `import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { connect } from ${JSON.stringify(new URL('../../cluster/client/index.ts', import.meta.url).href)};
const cluster = await connect();
const square = cluster.task(${JSON.stringify(TASKS.href)}, 'square');
console.log('result', await cluster.get(square.remote(5)));
const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(process.pid)], { encoding: 'utf8' });
// Node processes only: not ps itself, nor tsx's esbuild service. By executable, not by name: Node 24 names its
// main thread 'MainThread', which is what ps shows as the command.
const exe = (pid) => { try { return readlinkSync('/proc/' + pid + '/exe'); } catch { return ''; } };
const pids = children.split('\\n').map(Number).filter((pid) => pid > 0 && exe(pid) === exe('self'));
console.log('pids', JSON.stringify(pids));
${ending === 'exit' ? 'process.exit(0); // no close(): the cluster must still go away' : 'setInterval(() => {}, 1000); // waits to be killed'}
`,
  );
  return file;
}

describe('the embedded local cluster', () => {
  for (const ending of ['exit', 'hang'] as const) {
    it(`stops its head and workers when the driver ${ending === 'exit' ? 'exits without close()' : 'is killed with SIGKILL'}`, async () => {
      const home = await mkdtemp(path.join(os.tmpdir(), 'convoy-home-'));
      // node itself (not the tsx CLI, which would run the driver in a child of its own that SIGKILL would miss).
      const child = spawn(process.execPath, ['--import', tsxLoaderUrl(), await driver(ending)], {
        env: { ...process.env, CONVOY_HOME: home },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      // Listen for the exit from the start: a driver that calls process.exit may be gone before we look.
      const exited = new Promise((r) => child.once('exit', r));
      let out = '';
      child.stdout!.on('data', (c) => (out += c));
      await eventually(() => out.includes('pids'), 90_000, 'the driver to run a task');
      expect(out).toContain('result 25');
      const pids = JSON.parse(/pids (.*)/.exec(out)![1]!) as number[];
      expect(pids.length).toBe(3); // a head and two workers
      if (ending === 'hang') child.kill('SIGKILL');
      await exited;
      await eventually(() => pids.every((p) => !alive(p)), 20_000, 'the cluster processes to exit');
    });
  }

  it('keeps answering while CPU-heavy tasks occupy every thread, and refuses work past maxPendingTasks', async () => {
    const cluster = await connect({ workers: 1, cpusPerWorker: 1, maxPendingTasks: 3 });
    try {
      const spin = cluster.task<typeof basic.spin>(TASKS, 'spin');
      const busy = spin.remote(4000);
      await eventually(async () => (await cluster.status()).nodes[0]!.runningTasks > 0, 30_000, 'the spin to start');
      // The node's RPC loop is free while its only thread spins: it keeps heartbeating and serving its load.
      const first = (await cluster.status()).nodes[0]!;
      await new Promise((r) => setTimeout(r, 1500));
      const later = (await cluster.status()).nodes[0]!;
      expect(later.state).toBe('alive');
      expect(later.runningTasks).toBe(1); // the spin is still running...
      expect(later.lastHeartbeat).toBeGreaterThan(first.lastHeartbeat); // ...and the node heartbeats meanwhile
      spin.remote(1);
      spin.remote(1);
      expect(() => spin.remote(1)).toThrow(BackpressureError);
      expect(typeof (await cluster.get(busy))).toBe('number');
    } finally {
      await cluster.close();
    }
  });
});
