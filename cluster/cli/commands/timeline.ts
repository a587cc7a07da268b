/**
 * `convoy timeline [--job ID] [-o FILE]`: the head's task log as a Chrome trace file, as `ray timeline` writes
 * one; open it in https://ui.perfetto.dev (or chrome://tracing). Only the tasks the log still keeps are in it
 * (`convoy start --head --max-task-log N` sets how many).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { api, resolveTarget } from '../context.ts';

interface Trace {
  traceEvents: { ph: string }[];
  otherData: { tasks: number };
}

export function registerTimeline(program: Command): void {
  program
    .command('timeline')
    .description('write the tasks the head keeps as a Chrome trace file (open it in https://ui.perfetto.dev)')
    .option('--address <addr>', 'head address (gRPC host:port or http://host:8265)')
    .option('--token-file <path>', 'cluster token file')
    .option('--job <jobId>', "only this job's tasks")
    .option('-o, --output <file>', 'where to write the trace (default: convoy-timeline-<time>.json here)')
    .action(async (flags: { address?: string; tokenFile?: string; job?: string; output?: string }) => {
      const query = flags.job !== undefined ? `?job=${encodeURIComponent(flags.job)}` : '';
      const trace = await api<Trace>(resolveTarget(flags), 'GET', `/api/timeline${query}`);
      const file = path.resolve(flags.output ?? `convoy-timeline-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
      writeFileSync(file, JSON.stringify(trace));
      const tasks = trace.traceEvents.filter((e) => e.ph === 'X').length;
      console.log(`wrote ${tasks} task(s) to ${file}; open it in https://ui.perfetto.dev or chrome://tracing`);
      if (tasks === 0) console.error(`note: the head's task log holds no task${flags.job !== undefined ? ` of job ${flags.job}` : ''} that started`);
    });
}
