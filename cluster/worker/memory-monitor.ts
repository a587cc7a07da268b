/**
 * The worker's memory monitor (Ray's, in Node): every ~250 ms it reads how much of the node's memory is in
 * use and, past the threshold, asks the node to stop one task (scheduler/memory-pressure.ts picks which), so
 * the kernel's OOM killer does not pick the worker process itself and lose everything running on it.
 *
 * "The node's memory" is the tighter of two views: the machine's (/proc/meminfo: MemTotal − MemAvailable,
 * which counts reclaimable page cache as free, like Ray) and the cgroup's (cgroup v2 memory.max, with
 * memory.current less inactive file pages), since a container's limit is what its OOM killer enforces.
 * Where neither is readable (not Linux) it falls back to os.totalmem() / os.freemem().
 */
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { memoryUsageFraction, isOverThreshold } from '../../scheduler/memory-pressure.ts';

/** One reading of the node's memory. */
export interface MemorySnapshot {
  readonly totalBytes: number;
  readonly availableBytes: number;
  /** Fraction in use, `1 - available / total`. */
  readonly usage: number;
  /** Resident set of this worker process (its threads included), for the log and the kill report. */
  readonly rssBytes: number;
  /** Where the numbers came from. */
  readonly source: 'cgroup' | 'meminfo' | 'os';
}

export interface MemoryMonitorOptions {
  /** Fraction of the node's memory in use above which a task is stopped; 1 or more turns the monitor off. */
  readonly threshold: number;
  /** @default 250 */
  readonly intervalMs?: number;
  /** Reads the node's memory. @default readNodeMemory */
  readonly read?: () => MemorySnapshot;
  /**
   * Called with the reading past the threshold. When it stops a task it returns a promise (settled once the
   * task's batch is done); the monitor then stops nothing more until a reading falls under the threshold or
   * `cooldownMs` passes, since the memory of an ended thread is given back a little after it ends, and a
   * retry arriving meanwhile must not be taken for the culprit.
   */
  readonly onPressure: (snapshot: MemorySnapshot) => Promise<unknown> | undefined;
  /** @default 5000 */
  readonly cooldownMs?: number;
  readonly onError?: (err: unknown) => void;
}

export class MemoryMonitor {
  readonly #opts: MemoryMonitorOptions;
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;
  /** After a stop: until when readings past the threshold are put down to the stopped task (see onPressure). */
  #coolingUntil = 0;

  constructor(opts: MemoryMonitorOptions) {
    this.#opts = opts;
  }

  get enabled(): boolean {
    return this.#opts.threshold < 1;
  }

  start(): void {
    if (!this.enabled || !this.#stopped) return;
    this.#stopped = false;
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#tick(), this.#opts.intervalMs ?? 250);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    try {
      const snapshot = (this.#opts.read ?? readNodeMemory)();
      if (!isOverThreshold(snapshot.usage, this.#opts.threshold)) {
        this.#coolingUntil = 0;
      } else if (Date.now() >= this.#coolingUntil) {
        const stopped = this.#opts.onPressure(snapshot);
        if (stopped) {
          await stopped.catch(() => undefined);
          this.#coolingUntil = Date.now() + (this.#opts.cooldownMs ?? 5000);
        }
      }
    } catch (err) {
      this.#opts.onError?.(err);
    } finally {
      this.#schedule();
    }
  }
}

/** The node's memory now: the tighter of the machine's and the cgroup's view (see the header). */
export function readNodeMemory(): MemorySnapshot {
  const rssBytes = process.memoryUsage.rss();
  const machine = readMeminfo() ?? { totalBytes: os.totalmem(), availableBytes: os.freemem(), source: 'os' as const };
  const cgroup = readCgroup();
  const pick = cgroup && cgroup.totalBytes < machine.totalBytes && memoryUsageFraction(cgroup.availableBytes, cgroup.totalBytes) > memoryUsageFraction(machine.availableBytes, machine.totalBytes) ? cgroup : machine;
  return { ...pick, usage: memoryUsageFraction(pick.availableBytes, pick.totalBytes), rssBytes };
}

function readMeminfo(): { totalBytes: number; availableBytes: number; source: 'meminfo' } | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/meminfo', 'utf8');
  } catch {
    return undefined;
  }
  const kib = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : undefined;
  };
  const totalBytes = kib('MemTotal');
  const availableBytes = kib('MemAvailable');
  if (totalBytes === undefined || availableBytes === undefined) return undefined;
  return { totalBytes, availableBytes, source: 'meminfo' };
}

/** This process's cgroup v2 folder, looked up once (a process keeps its cgroup); null where there is none. */
let cgroupDir: string | null | undefined;

function ownCgroupDir(): string | null {
  if (cgroupDir !== undefined) return cgroupDir;
  try {
    // cgroup v2 only: one line "0::/path". v1 hierarchies (several lines) are left to the machine's view.
    const line = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => l.startsWith('0::'));
    cgroupDir = line ? `/sys/fs/cgroup${line.slice(3).trim()}`.replace(/\/$/, '') : null;
  } catch {
    cgroupDir = null;
  }
  return cgroupDir;
}

function readCgroup(): { totalBytes: number; availableBytes: number; source: 'cgroup' } | undefined {
  const dir = ownCgroupDir();
  if (!dir) return undefined;
  try {
    const max = readFileSync(`${dir}/memory.max`, 'utf8').trim();
    if (max === 'max') return undefined;
    const current = Number(readFileSync(`${dir}/memory.current`, 'utf8').trim());
    const inactive = /^inactive_file (\d+)$/m.exec(readFileSync(`${dir}/memory.stat`, 'utf8'));
    const used = current - (inactive ? Number(inactive[1]) : 0);
    const totalBytes = Number(max);
    if (!(totalBytes > 0) || !Number.isFinite(used)) return undefined;
    return { totalBytes, availableBytes: totalBytes - used, source: 'cgroup' };
  } catch {
    return undefined;
  }
}
