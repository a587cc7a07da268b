/** `convoy status [--json]`: nodes, resources used/total, tasks by state, and requests that can never run. */
import type { Command } from 'commander';
import type { ClusterStatus } from '../../api/head-api.ts';
import { grpcStatus, httpBase, resolveTarget } from '../context.ts';
import { bytes, table } from '../format.ts';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show nodes, resources, tasks by state and warnings')
    .option('--address <addr>', 'head address (gRPC host:port or http://host:8265)')
    .option('--token-file <path>', 'cluster token file')
    .option('--json', 'print JSON')
    .action(async (flags: { address?: string; tokenFile?: string; json?: boolean }) => {
      const target = resolveTarget(flags);
      // Probe over gRPC first: it checks the token on the port every client uses.
      if (target.grpc) await grpcStatus(target);
      const base = await httpBase(target);
      const res = await fetch(`${base}/api/status`, { headers: { authorization: `Bearer ${target.token}` } });
      if (!res.ok) throw new Error(`status failed: HTTP ${res.status} ${await res.text()}`);
      const s = (await res.json()) as ClusterStatus;
      if (flags.json) return console.log(JSON.stringify(s, null, 2));
      const fmt = (k: string, v: number) => (k === 'memory' ? bytes(v) : String(v));
      console.log(`Convoy cluster at ${s.address} (dashboard http://${s.httpAddress}), ${s.clients} client(s) connected\n`);
      console.log(
        table(
          ['node', 'state', 'address', 'cpu used/total', 'gpu used/total', 'queued', 'running', 'actors', 'store'],
          s.nodes.map((n) => [
            n.nodeId,
            n.state === 'dead' ? `dead (${n.deadReason ?? ''})` : n.state === 'draining' && n.drain?.deadline !== undefined ? `draining (deadline ${new Date(n.drain.deadline).toISOString()})` : n.state,
            n.address,
            `${round((n.total.cpu ?? 0) - (n.available.cpu ?? 0))}/${n.total.cpu ?? 0}`,
            `${round((n.total.gpu ?? 0) - (n.available.gpu ?? 0))}/${n.total.gpu ?? 0}`,
            n.load?.queuedTasks ?? '-',
            n.load?.runningTasks ?? '-',
            // An actor (a tune trial) holds its CPUs between calls: "running 0" alone would hide that.
            n.holders?.actors ?? '-',
            n.load ? `${bytes(n.load.storeUsedBytes)} in ${n.load.storeObjects}` : '-',
          ]),
        ),
      );
      console.log('\nResources (used / total):');
      for (const [k, v] of Object.entries(s.resources.total)) console.log(`  ${k}: ${fmt(k, s.resources.used[k] ?? 0)} / ${fmt(k, v)}`);
      console.log('\nTasks by state:');
      const states = Object.entries(s.tasksByState).filter(([, v]) => v > 0);
      console.log(states.length ? states.map(([k, v]) => `  ${k}: ${v}`).join('\n') : '  none yet');
      if (s.warnings.length) {
        console.log('\nWarnings:');
        for (const w of s.warnings) console.log(`  ! ${w}`);
      }
    });
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
