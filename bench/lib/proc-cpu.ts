/**
 * CPU time per process, from /proc (Linux): where a benchmark's time goes when several processes share the
 * work (a client, a head, workers). Figures are user + system time of every thread of the process, in the
 * kernel's clock ticks (usually 10 ms), so measure runs of a second or more. Elsewhere it reports nothing.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU milliseconds a process has used so far, or undefined when it is gone or /proc is not there. */
export function processCpuMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields are counted after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of the whole line)
  return Number.isFinite(ticks) ? (ticks * 1000) / clockTicks() : undefined;
}

/** Named groups of processes (e.g. client, head, workers), measured together. */
export type ProcessGroups = Readonly<Record<string, readonly number[]>>;

/** Starts a measurement; the returned function gives the CPU ms each group used since, if all were readable. */
export function startCpuMeter(groups: ProcessGroups): () => Record<string, number> | undefined {
  const read = () => {
    // One reading per process per snapshot: groups that share a process then agree on what it used.
    const perPid = new Map<number, number>();
    for (const pid of new Set(Object.values(groups).flat())) {
      const ms = processCpuMs(pid);
      if (ms === undefined) return undefined;
      perPid.set(pid, ms);
    }
    const out: Record<string, number> = {};
    for (const [name, pids] of Object.entries(groups)) out[name] = pids.reduce((sum, pid) => sum + perPid.get(pid)!, 0);
    return out;
  };
  const before = read();
  return () => {
    const after = read();
    if (!before || !after) return undefined;
    return Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - before[k]!]));
  };
}

export interface QuietOptions {
  /** Quiet means the processes together use less than this share of one core. @default 0.25 */
  maxCores?: number;
  /** Length of each look. @default 250 */
  intervalMs?: number;
  /** Give up waiting after this long. @default 10_000 */
  timeoutMs?: number;
}

/**
 * Waits until a set of processes has gone quiet: a system that just finished a round may still be cleaning
 * up (Dask's scheduler and workers release 20,000 keys for a second or more after `gather` returns), and the
 * next system's timed run should not pay for it. Resolves with whether they went quiet before the timeout.
 */
export async function waitUntilQuiet(pids: readonly number[], opts: QuietOptions = {}): Promise<boolean> {
  const maxCores = opts.maxCores ?? 0.25;
  const interval = opts.intervalMs ?? 250;
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  const live = () => pids.filter((pid) => processCpuMs(pid) !== undefined);
  for (;;) {
    const watched = live();
    if (watched.length === 0) return true;
    const stop = startCpuMeter({ all: watched });
    const started = performance.now();
    await new Promise((r) => setTimeout(r, interval));
    const used = stop()?.all;
    // A process that exited during the look makes the reading undefined: look again at the rest.
    if (used !== undefined && used / (performance.now() - started) < maxCores) return true;
    if (Date.now() >= deadline) return false;
  }
}
