/**
 * Memory pressure on a real cluster: a worker whose memory threshold sits a little above the machine's use
 * now stops a task that allocates past it; the task is retried (it counts as a system failure), and the
 * worker process is the one that started. The threshold is computed from the current reading, so the test
 * works on any machine with a few GiB free, whatever else it runs.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, TASKS, type TestCluster } from '../helpers/cluster.ts';
import { readNodeMemory } from '../../cluster/worker/memory-monitor.ts';
import type * as basic from '../fixtures/tasks/basic.ts';
import type * as hogs from './fixtures/memory-hog.ts';

const HOG = new URL('./fixtures/memory-hog.ts', import.meta.url);
const GiB = 1024 ** 3;
/** Headroom over today's use before a task is stopped: above the cluster's own processes and other noise. */
const MARGIN_BYTES = 1.5 * GiB;
/** What the hog takes at most: well past the margin, well below what a test machine has free. */
const HOG_MIB = 4096;

const now = readNodeMemory();
const threshold = now.usage + MARGIN_BYTES / now.totalBytes;
// The hog must be able to pass the threshold without the machine itself running short.
const fits = threshold < 0.97 && now.availableBytes > MARGIN_BYTES + (HOG_MIB / 1024) * GiB + 1 * GiB;
if (!fits) console.warn(`memory-pressure tests skipped: ${(now.availableBytes / GiB).toFixed(1)} GiB available of ${(now.totalBytes / GiB).toFixed(1)} GiB, too little to cross a threshold safely`);

let t: TestCluster | undefined;
let markers: string;
const savedEnv = process.env.CONVOY_MEMORY_USAGE_THRESHOLD;

beforeAll(() => {
  // Read by the worker processes startTestCluster spawns (they inherit this process's environment).
  process.env.CONVOY_MEMORY_USAGE_THRESHOLD = threshold.toFixed(4);
});
afterAll(() => {
  if (savedEnv === undefined) delete process.env.CONVOY_MEMORY_USAGE_THRESHOLD;
  else process.env.CONVOY_MEMORY_USAGE_THRESHOLD = savedEnv;
});
afterEach(async () => {
  await t?.stop();
  t = undefined;
  rmSync(markers, { recursive: true, force: true });
});

describe.skipIf(!fits)('memory pressure on a real worker', () => {
  it('stops a task that allocates past the threshold, retries it, and the worker process lives', async () => {
    markers = mkdtempSync(path.join(os.tmpdir(), 'convoy-hog-'));
    t = await startTestCluster({ workers: 1, cpusPerWorker: 1 });
    const { cluster, local } = t;
    const worker = local.workers[0]!;
    const hog = cluster.task<typeof hogs.hog>(HOG, 'hog', { maxRetries: 2 });
    // The first attempt takes memory until it is stopped; the retry takes none and returns.
    const result = await cluster.get(hog.remote(markers, 64, HOG_MIB, 30_000, true));
    expect(result).toEqual({ pid: worker.pid, attempts: 2, heldMiB: 0 });
    expect(readdirSync(markers)).toHaveLength(2);
    // Same process, still serving.
    expect(worker.child.exitCode).toBeNull();
    expect(worker.child.signalCode).toBeNull();
    const pid = cluster.task<typeof basic.pid>(TASKS, 'pid');
    expect(await cluster.get(pid.remote())).toBe(worker.pid);
    const status = await cluster.status();
    expect(status.nodes.find((n) => n.nodeId === worker.nodeId)?.state).toBe('alive');
  });

  it('fails with the memory error, naming the node, the usage, the threshold and the fix, once retries run out', async () => {
    markers = mkdtempSync(path.join(os.tmpdir(), 'convoy-hog-'));
    t = await startTestCluster({ workers: 1, cpusPerWorker: 1 });
    const { cluster, local } = t;
    const worker = local.workers[0]!;
    const hog = cluster.task<typeof hogs.hog>(HOG, 'hog', { maxRetries: 1 });
    const err = await cluster.get(hog.remote(markers, 64, HOG_MIB, 30_000, false)).then(
      () => undefined,
      (e: unknown) => e as Error & { cause?: Error & Record<string, unknown> },
    );
    expect(err, 'the hog was never stopped').toBeDefined();
    // Both attempts (the first and its one retry) ran and were stopped.
    expect(readdirSync(markers)).toHaveLength(2);
    const memoryError = err!.name === 'MemoryPressureError' ? (err as Error & Record<string, unknown>) : err!.cause!;
    expect(memoryError.name).toBe('MemoryPressureError');
    expect(memoryError.nodeId).toBe(worker.nodeId);
    expect(memoryError.threshold).toBeCloseTo(threshold, 3);
    expect(memoryError.usage as number).toBeGreaterThan(threshold);
    expect(err!.message).toContain(`killed on node ${worker.nodeId}`);
    expect(err!.message).toMatch(/\d+\.\d% of its memory was in use, past the memory usage threshold of \d+\.\d%/);
    expect(err!.message).toMatch(/larger `memory` resource/);
    expect(err!.message).toMatch(/--memory-usage-threshold|CONVOY_MEMORY_USAGE_THRESHOLD/);
    expect(worker.child.exitCode).toBeNull();
    const pid = cluster.task<typeof basic.pid>(TASKS, 'pid');
    expect(await cluster.get(pid.remote())).toBe(worker.pid);
  });
});
