/**
 * The fault bench's recovery figures (bench/fault.ts), each on its own embedded cluster (a head and worker
 * processes on loopback, SQLite control store in the session folder):
 * - detect_dead_worker_s: SIGKILL a worker; seconds until the head lists it dead (its session breaks, so this
 *   is the broken-stream path, not the heartbeat timeout).
 * - detect_silent_worker_s: SIGSTOP a worker (a hung machine: no FIN, no RST); seconds until the heartbeat
 *   timeout (`heartbeatTimeoutMs`) declares it dead: that timeout after its last heartbeat, which came up to a
 *   heartbeat interval (1 s) before the SIGSTOP, so between timeout − 1 s and timeout + the head's check period.
 * - head_recovery_s: SIGKILL the head while a driver holds leases; seconds until a new head process on the
 *   same store, ports and token has every worker registered again and the driver's next task has run (the
 *   head's start, the workers' and driver's redial backoff and the re-registration, end to end).
 */
import { connect } from '../../cluster/client/index.ts';
import { startLocalCluster, type LocalCluster } from '../../cluster/client/embedded.ts';

const TASKS = new URL('../../test/fixtures/tasks/basic.ts', import.meta.url);

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

async function headStatus(c: LocalCluster): Promise<{ nodes: { nodeId: string; state: string }[] }> {
  const res = await fetch(`http://${c.httpAddress}/api/status`, { headers: { authorization: `Bearer ${c.token}` }, signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new Error(`status ${res.status}`);
  return (await res.json()) as { nodes: { nodeId: string; state: string }[] };
}

const stateOf = async (c: LocalCluster, nodeId: string) => (await headStatus(c)).nodes.find((n) => n.nodeId === nodeId)?.state;

export interface RecoveryFigures {
  detect_dead_worker_s: number;
  detect_silent_worker_s: number;
  heartbeat_timeout_ms: number;
  head_recovery_s: number;
}

export async function measureRecovery(opts: { heartbeatTimeoutMs: number; log: (line: string) => void }): Promise<RecoveryFigures> {
  const local = await startLocalCluster({ workers: 3, cpusPerWorker: 1, heartbeatTimeoutMs: opts.heartbeatTimeoutMs });
  try {
    const cluster = await connect(local.address, { token: local.token });
    try {
      const square = cluster.task<(x: number) => number>(TASKS, 'square');
      await cluster.get(Array.from({ length: 20 }, (_, i) => square.remote(i)));

      const killed = local.workers[0]!;
      let t0 = performance.now();
      killed.child.kill('SIGKILL');
      await until(async () => (await stateOf(local, killed.nodeId!)) === 'dead', 30_000, 'the killed worker listed dead');
      const detectDead = (performance.now() - t0) / 1000;
      opts.log(`a SIGKILLed worker was listed dead after ${detectDead.toFixed(3)} s`);

      const stopped = local.workers[1]!;
      t0 = performance.now();
      stopped.child.kill('SIGSTOP');
      try {
        await until(async () => (await stateOf(local, stopped.nodeId!)) === 'dead', opts.heartbeatTimeoutMs * 4 + 10_000, 'the stopped worker listed dead');
      } finally {
        stopped.child.kill('SIGCONT');
      }
      const detectSilent = (performance.now() - t0) / 1000;
      opts.log(`a SIGSTOPped worker was listed dead after ${detectSilent.toFixed(3)} s (heartbeat timeout ${opts.heartbeatTimeoutMs} ms)`);
      // It comes back by itself (a new session); wait for it so the head restart below starts with three nodes.
      await until(async () => (await headStatus(local)).nodes.filter((n) => n.state === 'alive').length === 2, 60_000, 'the stopped worker back');

      const alive = (await headStatus(local)).nodes.filter((n) => n.state === 'alive').map((n) => n.nodeId);
      t0 = performance.now();
      local.head.child.kill('SIGKILL');
      await local.restartHead();
      await until(async () => {
        const s = await headStatus(local);
        return alive.every((id) => s.nodes.find((n) => n.nodeId === id)?.state === 'alive' && s.nodes.length > 0);
      }, 120_000, 'every worker registered with the new head');
      // The driver's session comes back too: a task through it completes (results go straight from the worker).
      await cluster.get(square.remote(7));
      const headRecovery = (performance.now() - t0) / 1000;
      opts.log(`the head was back with ${alive.length} workers and a task had run ${headRecovery.toFixed(3)} s after its SIGKILL`);
      return {
        detect_dead_worker_s: round3(detectDead),
        detect_silent_worker_s: round3(detectSilent),
        heartbeat_timeout_ms: opts.heartbeatTimeoutMs,
        head_recovery_s: round3(headRecovery),
      };
    } finally {
      await cluster.close().catch(() => undefined);
    }
  } finally {
    await local.stop();
  }
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
