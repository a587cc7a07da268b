/**
 * TensorFlow.js backend selection for a trainer process.
 *
 * TensorFlow.js has one active backend per thread, so a trainer picks it once at start, in this order unless
 * told otherwise:
 * 1. `webgpu` — `@tensorflow/tfjs-backend-webgpu` on the `webgpu` package (Dawn over Vulkan). Only when Dawn
 *    hands out an adapter, which on the CPU machines it never does (not even Mesa's lavapipe): see
 *    shared/gpu/README.md for the Vulkan/GLVND libraries a GPU machine needs.
 * 2. `tensorflow` — `@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node` when one of them can be imported (its
 *    install downloads libtensorflow, so it is optional and absent on these machines).
 * 3. `wasm` — `@tensorflow/tfjs-backend-wasm` with SIMD; the default on CPU. Single-threaded in Node (tfjs keeps
 *    its pthread build off under Node), so a CPU worker scales through data-parallel trainer processes instead.
 * 4. `cpu` — the plain JavaScript backend, last resort.
 *
 * The choice and the reason each earlier candidate was skipped are returned and logged, so "why is this slow"
 * is answered by the log line.
 */
import { existsSync, readdirSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { Logger } from 'pino';
import { BackendUnavailableError } from './errors.ts';

export type BackendName = 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'tensorflow', 'wasm', 'cpu'];

export interface BackendChoice {
  backend: BackendName;
  /** What runs the math: the GPU adapter's description, "SIMD" for wasm, the native library for tensorflow. */
  device: string;
  /** Candidates tried before the chosen one, each with why it was not used. */
  skipped: { backend: BackendName; reason: string }[];
}

export interface SelectBackendOptions {
  /**
   * Candidates in order of preference; the first that starts wins. `CONVOY_TF_BACKEND` in the environment (one
   * name) overrides it, for pinning a machine without changing code.
   * @default ['webgpu', 'tensorflow', 'wasm', 'cpu']
   */
  prefer?: readonly BackendName[];
  logger?: Pick<Logger, 'info' | 'warn'>;
}

let current: Promise<BackendChoice> | undefined;

/**
 * Chooses and activates a backend for this thread. Later calls return the first choice: tfjs state (variables,
 * kernels) lives in the active backend, and switching mid-run would silently move tensors between devices.
 */
export function selectBackend(options: SelectBackendOptions = {}): Promise<BackendChoice> {
  current ??= doSelect(options).catch((err: unknown) => {
    current = undefined;
    throw err;
  });
  return current;
}

async function doSelect(options: SelectBackendOptions): Promise<BackendChoice> {
  const fromEnv = process.env.CONVOY_TF_BACKEND as BackendName | undefined;
  const order = fromEnv && BACKEND_ORDER.includes(fromEnv) ? [fromEnv] : (options.prefer ?? BACKEND_ORDER);
  const skipped: BackendChoice['skipped'] = [];
  for (const backend of order) {
    try {
      const device = await STARTERS[backend]();
      if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') returned false`);
      await tf.ready();
      const choice = { backend, device, skipped };
      options.logger?.info({ backend, device, skipped }, 'tfjs backend selected');
      return choice;
    } catch (err) {
      skipped.push({ backend, reason: err instanceof Error ? err.message.split('\n')[0]! : String(err) });
    }
  }
  throw new BackendUnavailableError(skipped);
}

function gpuDevicePresent(): boolean {
  if (existsSync('/dev/nvidia0')) return true;
  try {
    return readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
  } catch {
    return false;
  }
}

const STARTERS: Record<BackendName, () => Promise<string>> = {
  async webgpu() {
    // Ask Dawn only where a GPU is this code's to use: a Convoy GPU trainer process or GPU actor (the scheduler
    // gave it one), a driver script or bench on a machine with a device node, or an explicit
    // CONVOY_TF_BACKEND=webgpu. Inside a worker, a task that asked for no GPU must not take the device a GPU
    // task was given (and Dawn prints Vulkan loader warnings on machines without one).
    const granted = process.env.CONVOY_GPU_ID ?? process.env.CONVOY_GPU_IDS;
    if (process.env.CONVOY_TF_BACKEND !== 'webgpu' && !granted) {
      if (process.env.CONVOY_NODE_ID) throw new Error('this task holds no GPU (give it resources {gpu: 1} to train on one)');
      if (!gpuDevicePresent()) throw new Error('no GPU device on this machine (no /dev/nvidia0 or /dev/dri render node)');
    }
    type Gpu = { requestAdapter(o: object): Promise<{ info?: { description?: string; vendor?: string } } | null> };
    let mod: { create(flags: string[]): Gpu; globals: Record<string, unknown> };
    try {
      mod = (await import('webgpu')) as unknown as typeof mod;
    } catch {
      throw new Error('the optional "webgpu" package is not installed');
    }
    Object.assign(globalThis, mod.globals);
    // WebGPU hands out one adapter and Vulkan ignores CUDA_VISIBLE_DEVICES, so on a machine with several
    // identical GPUs every trainer process gets the first; CONVOY_WEBGPU_ADAPTER passes Dawn's `adapter=NAME`
    // flag through for machines whose GPUs differ.
    const gpu = mod.create(process.env.CONVOY_WEBGPU_ADAPTER ? [`adapter=${process.env.CONVOY_WEBGPU_ADAPTER}`] : []);
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) throw new Error('Dawn found no GPU adapter (no GPU, or no Vulkan driver/GLVND libraries)');
    // tfjs-backend-webgpu looks for navigator.gpu; Node 20 has no navigator at all.
    const nav = ((globalThis as { navigator?: object }).navigator ??= {}) as { gpu?: unknown };
    Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
    await import('@tensorflow/tfjs-backend-webgpu');
    // tfjs submits a command buffer every 15 dispatches by default; a training step is ~60, and fewer submits
    // cut the step by a tenth on an H200 (measured: 5.4 → 4.9 ms at batch 4096). A value set through tfjs's own
    // flags (TFJS_FLAGS / tf.env().set) is left alone.
    if (!tf.env().getFlags().WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE) tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', 100);
    return [adapter.info?.vendor, adapter.info?.description].filter(Boolean).join(' ') || 'webgpu adapter';
  },
  async tensorflow() {
    for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
      try {
        await import(pkg);
        return pkg;
      } catch {
        // not installed (its install needs libtensorflow from outside the npm registry); try the next
      }
    }
    throw new Error('neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed');
  },
  async wasm() {
    await import('@tensorflow/tfjs-backend-wasm');
    return 'wasm';
  },
  async cpu() {
    return 'javascript';
  },
};

/** After {@link selectBackend}: annotates the device with SIMD support, which decides wasm speed by ~4×. */
export async function describeBackend(choice: BackendChoice): Promise<string> {
  if (choice.backend !== 'wasm') return `${choice.backend} (${choice.device})`;
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return `wasm (${simd ? 'SIMD' : 'no SIMD'}, 1 thread)`;
}

export { tf };
