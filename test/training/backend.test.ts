import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';

// selectBackend keeps its first choice for the thread, so each case loads a fresh copy of the module.
const fresh = async () => {
  vi.resetModules();
  return import('../../tasks/training/backend.ts');
};
const saved = { ...process.env };
afterEach(() => {
  for (const k of ['CONVOY_NODE_ID', 'CONVOY_GPU_ID', 'CONVOY_GPU_IDS', 'CONVOY_TF_BACKEND']) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

describe('selectBackend', () => {
  it('inside a worker, does not take a GPU for a task the scheduler gave none, and says why', async () => {
    process.env.CONVOY_NODE_ID = 'node-test';
    delete process.env.CONVOY_GPU_ID;
    delete process.env.CONVOY_GPU_IDS;
    delete process.env.CONVOY_TF_BACKEND;
    const { selectBackend } = await fresh();
    const choice = await selectBackend({ prefer: ['webgpu', 'cpu'] });
    expect(choice.backend).toBe('cpu');
    expect(choice.skipped).toEqual([{ backend: 'webgpu', reason: expect.stringMatching(/holds no GPU.*gpu: 1/) }]);
  });

  it.skipIf(existsSync('/dev/nvidia0'))('outside a worker, skips webgpu on a machine with no GPU device', async () => {
    for (const k of ['CONVOY_NODE_ID', 'CONVOY_GPU_ID', 'CONVOY_GPU_IDS', 'CONVOY_TF_BACKEND']) delete process.env[k];
    const { selectBackend } = await fresh();
    const choice = await selectBackend({ prefer: ['webgpu', 'tensorflow', 'wasm'] });
    expect(choice.backend).toBe('wasm');
    expect(choice.skipped.map((s) => s.backend)).toEqual(['webgpu', 'tensorflow']);
    expect(choice.skipped[0]!.reason).toMatch(/no GPU device/);
  });

  it('names every backend it tried when none starts', async () => {
    process.env.CONVOY_NODE_ID = 'node-test';
    delete process.env.CONVOY_TF_BACKEND;
    const { selectBackend } = await fresh();
    await expect(selectBackend({ prefer: ['webgpu', 'tensorflow'] })).rejects.toThrow(/webgpu.*tensorflow|tensorflow.*webgpu/s);
  });
});
