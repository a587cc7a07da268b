/** `convoy memory [--json]`: what each node's object store holds, how much is spilled, and who owns what. */
import type { Command } from 'commander';
import type { MemoryReport } from '../../api/head-api.ts';
import { api, resolveTarget } from '../context.ts';
import { bytes, table } from '../format.ts';

export function registerMemory(program: Command): void {
  program
    .command('memory')
    .description("show the objects in each node's store: sizes, spilled bytes, owners and pins")
    .option('--address <addr>', 'head address (gRPC host:port or http://host:8265)')
    .option('--token-file <path>', 'cluster token file')
    .option('--json', 'print JSON')
    .option('--limit <n>', 'objects to list per node (largest first)', '20')
    .action(async (flags: { address?: string; tokenFile?: string; json?: boolean; limit: string }) => {
      const report = await api<MemoryReport>(resolveTarget(flags), 'GET', '/api/memory');
      if (flags.json) return console.log(JSON.stringify(report, null, 2));
      const limit = Math.max(0, Number(flags.limit) || 0);
      console.log(`${report.directory.count} object(s), ${bytes(report.directory.bytes)} known to the head\n`);
      for (const n of report.nodes) {
        if (n.error || !n.stats) {
          console.log(`${n.nodeId} (${n.address}): unreachable: ${n.error}\n`);
          continue;
        }
        const s = n.stats;
        console.log(
          `${n.nodeId} (${n.address}): ${s.objects} object(s); memory ${bytes(s.usedBytes)} / ${bytes(s.budgetBytes)}; ` +
            `spilled ${bytes(s.spilledBytes)} in ${s.spilledObjects} object(s) (${bytes(s.diskBytes)} on local disk); pinned ${bytes(s.pinnedBytes)}; ` +
            `reuse: ${bytes(s.reusableBytes)} free, ${s.reusedBuffers} buffer(s) reused / ${s.freshBuffers} new, ${s.lentBuffers} lent to threads`,
        );
        const top = [...n.objects].sort((a, b) => b.size - a.size).slice(0, limit);
        if (top.length) {
          console.log(
            table(
              ['object', 'size', 'where', 'owner', 'pins', 'copy'],
              top.map((o) => [o.objectId, bytes(o.size), o.place, `${o.owner || '-'}${o.owner && !o.ownerConnected ? ' (gone)' : ''}`, o.pins, o.secondary ? 'pulled' : 'primary']),
            ),
          );
          if (n.objects.length > top.length) console.log(`… and ${n.objects.length - top.length} more`);
        }
        console.log();
      }
    });
}
