/**
 * `convoy stop`: stops the heads and workers `convoy start` started on this machine (workers first, then
 * heads), like `ray stop`. Embedded clusters are not recorded, so other drivers' clusters keep running.
 */
import type { Command } from 'commander';
import { forgetProcess, isAlive as alive, listProcesses, type ProcRecord } from '../../common/paths.ts';

async function stopAll(procs: ProcRecord[], force: boolean, graceMs: number): Promise<number> {
  let stopped = 0;
  for (const p of procs) {
    if (!alive(p.pid)) {
      forgetProcess(p);
      continue;
    }
    try {
      process.kill(p.pid, force ? 'SIGKILL' : 'SIGTERM');
    } catch {
      continue;
    }
    stopped++;
  }
  const deadline = Date.now() + graceMs;
  while (procs.some((p) => alive(p.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const p of procs) {
    if (alive(p.pid)) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
    forgetProcess(p);
  }
  return stopped;
}

export function registerStop(program: Command): void {
  program
    .command('stop')
    .description('stop the heads and workers `convoy start` started on this machine')
    .option('--force', 'kill at once (SIGKILL) instead of asking them to stop')
    .option('--grace-ms <ms>', 'how long to wait before killing', '10000')
    .action(async (flags: { force?: boolean; graceMs: string }) => {
      const procs = listProcesses();
      const grace = Number(flags.graceMs);
      const workers = await stopAll(procs.filter((p) => p.role === 'worker'), !!flags.force, grace);
      const heads = await stopAll(procs.filter((p) => p.role === 'head'), !!flags.force, grace);
      console.log(workers + heads === 0 ? 'No head or worker started by `convoy start` runs on this machine.' : `Stopped ${heads} head(s) and ${workers} worker(s).`);
    });
}
