import { describe, expect, it } from 'vitest';
import { countGpus } from '../../cluster/common/detect-gpus.ts';

describe('countGpus (what a worker offers without --num-gpus)', () => {
  it('counts the NVIDIA device nodes, in index order, ignoring the control nodes', () => {
    const dev = ['null', 'nvidia1', 'nvidiactl', 'nvidia-uvm', 'nvidia10', 'nvidia0', 'nvidia-modeset', 'dri'];
    expect(countGpus(undefined, dev)).toMatchObject({ count: 3, devices: ['0', '1', '10'] });
    expect(countGpus(undefined, ['null', 'tty', 'nvidiactl'])).toMatchObject({ count: 0, devices: [] });
  });

  it('follows CUDA_VISIBLE_DEVICES over the device nodes when it is set, as CUDA does', () => {
    const dev = ['nvidia0', 'nvidia1', 'nvidia2', 'nvidia3'];
    expect(countGpus('2,3', dev)).toMatchObject({ count: 2, devices: ['2', '3'] });
    expect(countGpus(' 1 ', dev)).toMatchObject({ count: 1, devices: ['1'] });
    // Empty hides every GPU; the list ends at the first entry that is not a device.
    expect(countGpus('', dev)).toMatchObject({ count: 0, devices: [] });
    expect(countGpus('-1', dev)).toMatchObject({ count: 0 });
    expect(countGpus('0,-1,1', dev)).toMatchObject({ count: 1, devices: ['0'] });
    expect(countGpus('NoDevFiles', dev)).toMatchObject({ count: 0 });
    expect(countGpus('GPU-8932f937-d72c-4106-c12f-20bd9faed9f6,MIG-1a2b', [])).toMatchObject({ count: 2 });
    expect(countGpus('0,1', []).source).toContain('CUDA_VISIBLE_DEVICES');
  });
});
