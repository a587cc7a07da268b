/**
 * `convoy actors [--state S] [--json]`: the actors of every connected driver, as `ray list actors` lists them:
 * class, state, node, restarts, calls waiting, owner and job, and why a dead one died.
 */
import type { Command } from 'commander';
import type { ActorInfo } from '../../api/head-api.ts';
import { api, resolveTarget } from '../context.ts';
import { table } from '../format.ts';

export function registerActors(program: Command): void {
  program
    .command('actors')
    .description("list the actors of the connected drivers: class, state, node, restarts, pending calls, owner")
    .option('--address <addr>', 'head address (gRPC host:port or http://host:8265)')
    .option('--token-file <path>', 'cluster token file')
    .option('--state <state>', 'only actors in this state (pending, starting, alive, restarting, dead)')
    .option('--json', 'print JSON')
    .action(async (flags: { address?: string; tokenFile?: string; state?: string; json?: boolean }) => {
      const all = await api<ActorInfo[]>(resolveTarget(flags), 'GET', '/api/actors');
      const actors = flags.state ? all.filter((a) => a.state === flags.state) : all;
      if (flags.json) return console.log(JSON.stringify(actors, null, 2));
      console.log(`${actors.length} actor(s)${flags.state ? ` ${flags.state}` : ''} of ${all.length}`);
      if (!actors.length) return;
      console.log(
        table(
          ['actor', 'class', 'state', 'node', 'restarts', 'pending', 'owner', 'job', 'why it died'],
          actors.map((a) => [a.actorId, a.name ? `${a.className} (${a.name})` : a.className, a.state, a.nodeId || '-', a.restarts, a.pendingCalls, a.owner, a.jobId || '-', (a.deathReason ?? '').slice(0, 60)]),
        ),
      );
    });
}
