/**
 * `convoy placement-groups [--json]` and `convoy placement-groups remove ID`: the cluster's placement groups,
 * as `ray list placement-groups` lists them: strategy, state, each bundle and its node, why one waits.
 */
import type { Command } from 'commander';
import type { PlacementGroupInfo } from '../../api/head-api.ts';
import { formatVector } from '../../../scheduler/resources.ts';
import { api, resolveTarget } from '../context.ts';
import { table } from '../format.ts';

type Flags = { address?: string; tokenFile?: string; json?: boolean };

export function registerPlacementGroups(program: Command): void {
  const cmd = program
    .command('placement-groups')
    .description('list the placement groups: strategy, state, bundles and their nodes, why one waits')
    .option('--address <addr>', 'head address (gRPC host:port or http://host:8265)')
    .option('--token-file <path>', 'cluster token file')
    .option('--json', 'print JSON')
    .action(async (flags: Flags) => {
      const groups = await api<PlacementGroupInfo[]>(resolveTarget(flags), 'GET', '/api/placement-groups');
      if (flags.json) return console.log(JSON.stringify(groups, null, 2));
      console.log(`${groups.length} placement group(s)`);
      if (!groups.length) return;
      console.log(
        table(
          ['group', 'name', 'strategy', 'state', 'bundles (node)', 'leases', 'owner', 'why it waits'],
          groups.map((g) => [
            g.groupId,
            g.name || '-',
            g.strategy,
            g.infeasible ? `${g.state} (infeasible)` : g.state,
            g.bundles.map((b, i) => `${formatVector(b)}@${g.nodes[i] || '-'}`).join(' '),
            g.leases,
            g.owner,
            (g.reason ?? '').slice(0, 80),
          ]),
        ),
      );
    });
  cmd
    .command('remove <id>')
    .description('remove a placement group: its bundles go back to their nodes')
    .option('--address <addr>', 'head address (gRPC host:port or http://host:8265)')
    .option('--token-file <path>', 'cluster token file')
    .action(async (id: string, own: Flags) => {
      // Commander hands --address and --token-file to the parent command, which declares them too.
      const flags = { ...cmd.opts<Flags>(), ...own };
      await api(resolveTarget(flags), 'POST', `/api/placement-groups/${encodeURIComponent(id)}/remove`);
      console.log(`removed placement group ${id}`);
    });
}
