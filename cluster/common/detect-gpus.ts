/**
 * How many GPUs a worker offers when `--num-gpus` is not given, the way Ray answers it: the devices that
 * `CUDA_VISIBLE_DEVICES` names when it is set (so `CUDA_VISIBLE_DEVICES= convoy start …` hides every GPU and
 * `CUDA_VISIBLE_DEVICES=0,1` offers two), otherwise the NVIDIA device nodes `/dev/nvidia0`, `/dev/nvidia1`, …
 * that the driver creates, one per GPU. Reading device nodes needs no `nvidia-smi` on the PATH and costs nothing
 * on machines without a GPU.
 */
import { readdirSync } from 'node:fs';

export interface DetectedGpus {
  count: number;
  /** What to put in a child's CUDA_VISIBLE_DEVICES for Convoy's GPU index i (index i of the visible list). */
  devices: string[];
  /** Where the count came from, for the worker's start log line. */
  source: string;
}

/**
 * The pure rule behind {@link detectGpus}. CUDA reads `CUDA_VISIBLE_DEVICES` up to the first entry that is not a
 * device (`-1`, a typo), so only the entries before it count; `NoDevFiles` is what some schedulers set for "none".
 */
export function countGpus(cudaVisibleDevices: string | undefined, devEntries: readonly string[]): DetectedGpus {
  if (cudaVisibleDevices !== undefined) {
    const visible: string[] = [];
    for (const raw of cudaVisibleDevices.split(',')) {
      const entry = raw.trim();
      // An index (0, 3) or a UUID (GPU-8932f937-…, MIG-…): anything else ends the list, as it does for CUDA.
      if (!/^(\d+|(GPU|MIG)-[\w-]+)$/.test(entry)) break;
      visible.push(entry);
    }
    return { count: visible.length, devices: visible, source: `CUDA_VISIBLE_DEVICES=${JSON.stringify(cudaVisibleDevices)}` };
  }
  const devices = devEntries
    .filter((name) => /^nvidia\d+$/.test(name))
    .map((name) => name.slice('nvidia'.length))
    .sort((a, b) => Number(a) - Number(b));
  const nodes = devices.length;
  return { count: nodes, devices, source: nodes ? `${nodes} /dev/nvidiaN device node${nodes === 1 ? '' : 's'}` : 'no /dev/nvidiaN device nodes' };
}

/** GPUs visible to this process (see the module comment). */
export function detectGpus(env: NodeJS.ProcessEnv = process.env): DetectedGpus {
  let entries: string[] = [];
  try {
    entries = readdirSync('/dev');
  } catch {
    // no /dev (not Linux): no NVIDIA device nodes to count
  }
  return countGpus(env.CUDA_VISIBLE_DEVICES, entries);
}
