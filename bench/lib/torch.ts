/**
 * PyTorch for the benches' side-by-side runs: Debian's python3-torch (with OpenBLAS), through the shared
 * install-when-missing path of debian.ts. Returns why it cannot be had, or undefined when `import torch` works.
 */
import { spawnSync } from 'node:child_process';
import { DEBIAN_PYTHON, ensureDebianPackages } from './debian.ts';

export async function ensureTorch(): Promise<string | undefined> {
  const r = await ensureDebianPackages({
    packages: ['python3-torch', 'libopenblas0-pthread'],
    probe: async () => spawnSync(DEBIAN_PYTHON, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0,
  });
  return r.ok ? undefined : r.reason;
}
