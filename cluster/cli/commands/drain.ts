/**
 * `convoy drain NODE [--deadline SECONDS] [--no-wait]`: stops new work on a node, waits for what runs there,
 * then lets it go (the worker exits 0; the head lists it dead, reason "drained"), as `ray drain-node` and
 * `kubectl drain` do. NODE is a node id, a unique prefix of one, or the node's address. The head does the
 * draining (head/node-drains.ts); this asks for it and, unless --no-wait, shows what is left until it is done.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { isDrainedReason, type ClusterStatus, type DrainRequest, type NodeStatus } from '../../api/head-api.ts';
import { api, resolveTarget, type ClusterTarget } from '../context.ts';

/** How often the progress is read while waiting. */
const POLL_MS = 500;

function parseDeadline(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`--deadline must be a number of seconds, 0 or more (got ${JSON.stringify(value)})`);
  return n;
}

/** What is left of a node's drain, in words: leases finishing their tasks, tasks and actor calls running. */
export function drainProgress(n: NodeStatus): string {
  const running = (n.load?.runningTasks ?? 0) + (n.load?.queuedTasks ?? 0);
  const parts = [`${running} running task(s)`];
  if (n.drain?.leasesLeft) parts.push(`${n.drain.leasesLeft} lease(s) finishing`);
  if (n.drain?.deadline !== undefined) parts.push(`deadline in ${Math.max(0, Math.ceil((n.drain.deadline - Date.now()) / 1000))} s`);
  return parts.join(', ');
}

async function waitDrained(t: ClusterTarget, nodeId: string): Promise<NodeStatus> {
  let last = '';
  for (;;) {
    const status = await api<ClusterStatus>(t, 'GET', '/api/status');
    const n = status.nodes.find((x) => x.nodeId === nodeId);
    if (n?.state === 'dead') return n;
    if (n) {
      const line = `node ${nodeId} draining: ${drainProgress(n)}`;
      // Only what changed: a countdown alone is not news.
      const key = line.replace(/, deadline in \d+ s$/, '');
      if (key !== last) console.log(line);
      last = key;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export function registerDrain(program: Command): void {
  program
    .command('drain')
    .description('stop new work on a node, wait for its running tasks, then let it go')
    .argument('<node>', 'node id, a unique prefix of one, or the node address (see convoy status)')
    .option('--deadline <seconds>', 'stop what still runs after this long (its owners retry it elsewhere)', parseDeadline)
    .option('--no-wait', 'ask for the drain and return at once')
    .option('--reason <text>', 'why, shown in status', 'convoy drain')
    .option('--address <addr>', 'head address (gRPC host:port or http://host:8265)')
    .option('--token-file <path>', 'cluster token file')
    .action(async (query: string, flags: { deadline?: number; wait: boolean; reason: string; address?: string; tokenFile?: string }) => {
      const target = resolveTarget(flags);
      const body: DrainRequest = { reason: flags.reason, ...(flags.deadline !== undefined ? { deadlineS: flags.deadline } : {}) };
      let node = await api<NodeStatus>(target, 'POST', `/api/nodes/${encodeURIComponent(query)}/drain`, body);
      if (node.state === 'draining') {
        console.log(`node ${node.nodeId} (${node.address}) draining: ${drainProgress(node)}`);
        if (!flags.wait) return;
        node = await waitDrained(target, node.nodeId);
      }
      if (!isDrainedReason(node.deadReason)) throw new Error(`node ${node.nodeId} died while draining: ${node.deadReason ?? 'no reason known'}`);
      console.log(node.deadReason === 'drained' ? `node ${node.nodeId} drained` : `node ${node.nodeId} ${node.deadReason}`);
    });
}
