/**
 * Real clusters for tests: a head and worker processes on loopback (port 0), with the client connected by
 * address and token. Teardown always runs, and stops every process even if a test killed some.
 */
import { connect, type Cluster, type ConnectOptions } from '../../cluster/client/index.ts';
import { startLocalCluster, type LocalCluster, type LocalClusterOptions } from '../../cluster/client/embedded.ts';

export interface TestCluster {
  local: LocalCluster;
  cluster: Cluster;
  stop(): Promise<void>;
}

export async function startTestCluster(opts: LocalClusterOptions & { client?: ConnectOptions } = {}): Promise<TestCluster> {
  const local = await startLocalCluster({ startTimeoutMs: 60_000, ...opts });
  let cluster: Cluster;
  try {
    cluster = await connect(local.address, { token: local.token, ...(opts.client ?? {}) });
  } catch (err) {
    await local.stop();
    throw err;
  }
  return {
    local,
    cluster,
    stop: async () => {
      await cluster.close().catch(() => undefined);
      await local.stop();
    },
  };
}

export const TASKS = new URL('../fixtures/tasks/basic.ts', import.meta.url);

/** Polls `check` until it returns true or the deadline passes (for state that settles asynchronously). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
