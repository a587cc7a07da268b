import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, TASKS, type TestCluster } from '../helpers/cluster.ts';
import type * as basic from '../fixtures/tasks/basic.ts';

// The GPUs here are declared, not real (`--num-gpus 2` on a CPU machine): the test checks the scheduling and
// process layout; on a GPU machine the same layout gives each process its own device.
let t: TestCluster;
beforeAll(async () => {
  t = await startTestCluster({ workers: 1, cpusPerWorker: 2, gpusPerWorker: 2 });
});
afterAll(async () => t?.stop());

describe('GPU tasks', () => {
  it('run in one trainer process per GPU, each with its own device, reused across tasks', async () => {
    const onGpu = t.cluster.task<typeof basic.whereAmI>(TASKS, 'whereAmI', { gpu: 1, cpu: 0 });
    const spin = t.cluster.task<typeof basic.sleep>(TASKS, 'sleep', { gpu: 1, cpu: 0 });
    // Two long tasks at once hold both GPUs: they must land in different processes on different devices.
    const [a, b] = await t.cluster.get([spin.remote(300, 'a'), spin.remote(300, 'b')]);
    expect([a, b].sort()).toEqual(['a', 'b']);
    const seen = await t.cluster.get(Array.from({ length: 8 }, () => onGpu.remote()));
    const byDevice = new Map<string, Set<number>>();
    for (const s of seen) {
      expect(s.cuda).toBe(s.gpu);
      if (!byDevice.has(s.cuda!)) byDevice.set(s.cuda!, new Set());
      byDevice.get(s.cuda!)!.add(s.pid);
    }
    for (const [device, pids] of byDevice) {
      expect(['0', '1']).toContain(device);
      expect(pids.size).toBe(1); // one process per device, reused
    }
    const workerPid = t.local.workers[0]!.pid;
    for (const s of seen) expect(s.pid).not.toBe(workerPid);
    const onCpu = t.cluster.task<typeof basic.whereAmI>(TASKS, 'whereAmI');
    const cpu = await t.cluster.get(onCpu.remote());
    expect(cpu.pid).toBe(workerPid); // CPU tasks stay in the node's thread pool
    expect(cpu.gpu).toBeUndefined();
    expect(cpu.cuda).toBe(''); // and see no GPU, so they cannot take one a GPU task holds
  });

  it('never runs more GPU tasks at once than there are GPUs', async () => {
    const run = t.cluster.task<typeof basic.interval>(TASKS, 'interval', { gpu: 1, cpu: 0 });
    const spans = await t.cluster.get(Array.from({ length: 5 }, () => run.remote(300)));
    const detail = `spans: ${JSON.stringify(spans)}`;
    // At no instant more than two: count the tasks running at each start. (Counting every span that overlaps
    // a given one over its whole life is wrong: a task on GPU 0 can overlap one task on GPU 1 that ends and
    // the next that starts there, never more than two at once. That miscount failed loaded full runs.)
    for (const s of spans) {
      const running = spans.filter((o) => o.start <= s.start && s.start < o.end).length; // itself included
      expect(running, detail).toBeLessThanOrEqual(2);
    }
    // And never two at once on one GPU.
    for (const a of spans) for (const b of spans) if (a !== b && a.gpu === b.gpu) expect(a.end <= b.start || b.end <= a.start, detail).toBe(true);
    expect(new Set(spans.map((s) => s.gpu)), detail).toEqual(new Set(['0', '1']));
  });
});

describe('GPUs a worker finds on its own', () => {
  it('offers the devices CUDA_VISIBLE_DEVICES names on the first local worker only, and hands each GPU task its own device', async () => {
    // The embedded cluster's workers inherit the driver's environment; CUDA_VISIBLE_DEVICES=3,5 stands for a
    // machine where this process may use devices 3 and 5 (nothing here opens them).
    const saved = process.env.CUDA_VISIBLE_DEVICES;
    process.env.CUDA_VISIBLE_DEVICES = '3,5';
    let c: TestCluster | undefined;
    try {
      c = await startTestCluster({ workers: 2, cpusPerWorker: 1 });
      const nodes = (await c.cluster.status()).nodes;
      expect(nodes.map((n) => n.total.gpu ?? 0).sort()).toEqual([0, 2]);
      const spin = c.cluster.task<typeof basic.whereAmI>(TASKS, 'whereAmI', { gpu: 1, cpu: 0 });
      const seen = await c.cluster.get(Array.from({ length: 6 }, () => spin.remote()));
      const pairs = new Set(seen.map((s) => `${s.gpu}->${s.cuda}`));
      expect([...pairs].every((p) => p === '0->3' || p === '1->5'), [...pairs].join(' ')).toBe(true);
      const onCpu = await c.cluster.get(c.cluster.task<typeof basic.whereAmI>(TASKS, 'whereAmI').remote());
      expect(onCpu.cuda).toBe('');
    } finally {
      await c?.stop();
      if (saved === undefined) delete process.env.CUDA_VISIBLE_DEVICES;
      else process.env.CUDA_VISIBLE_DEVICES = saved;
    }
  });
});
