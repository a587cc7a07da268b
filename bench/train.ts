/**
 * Training throughput: the 16-64-64-1 MLP (ReLU, MSE, Adam) at batch 4096, samples per second, in one process.
 *
 * - `convoy_wasm_samples_per_s`: one process, tfjs wasm backend (SIMD, single-threaded in Node), Convoy's
 *   trainer step (hand-derived backward pass + Adam, tasks/training).
 * - `pytorch_cpu_samples_per_s`: the same model and optimiser in PyTorch on the CPU (Debian's python3-torch
 *   with OpenBLAS), the better median of 1 and 2 threads (`pytorch_cpu_1thread_…`, `pytorch_cpu_2threads_…`),
 *   run in the same invocation; `convoy_vs_pytorch` is ours over that. Installed with apt when missing (root
 *   only); `--no-torch` skips it.
 *
 * Scaling over several processes (data-parallel ranks averaging gradients through a collective group, beside
 * PyTorch DDP) is bench/train-dist.ts, which reuses {@link measure}, the exact step measured here.
 *
 * With a GPU backend (`--backend webgpu`, or `tensorflow` where tfjs-node-gpu is installed) the bench measures
 * one process on the GPU at each of `--batches` (default 4096,65536,262144: at 4096 a GPU step is mostly launch
 * and dispatch overhead), and PyTorch on CUDA beside it at the same batches (`python3` on the PATH, or
 * `CONVOY_BENCH_PYTHON`): `convoy_webgpu_samples_per_s[_bN]`, `pytorch_cuda_samples_per_s[_bN]`,
 * `convoy_webgpu_vs_pytorch_cuda[_bN]` (no suffix: batch 4096).
 *
 * Each figure is the median of `--reps` timed runs of `--steps` steps after warm-up, on fixed random tensors;
 * the loss is read once at the end of each run, as the trainer does (a read per step would stall a GPU).
 * Usage: `npm run -s bench -- train [--steps 40] [--reps 3] [--batch 4096] [--batches 4096,65536] [--no-torch]
 *   [--backend wasm|webgpu|tensorflow|cpu]`
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../tasks/training/adam.ts';
import { describeBackend, selectBackend, type BackendName } from '../tasks/training/backend.ts';
import {
  flattenGrads,
  inStepScope,
  soloExchange,
  unflattenGrads,
  type GradientExchange,
} from '../tasks/training/gradient-exchange.ts';
import { MlpModel } from '../tasks/training/models/mlp.ts';
import { parseModelSpec } from '../tasks/training/models/index.ts';
import type { MlpSpec } from '../tasks/training/models/model.ts';

export interface Settings {
  steps: number;
  reps: number;
  batch: number;
  /** GPU backends: the batch sizes to measure. */
  batches: number[];
  backend: BackendName;
}

/** Backends whose math runs on a GPU: measured at several batch sizes, beside PyTorch on CUDA. */
const GPU_BACKENDS: readonly BackendName[] = ['webgpu', 'tensorflow'];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export interface MeasureHooks {
  /** Awaited before each timed rep, outside its timing (bench/train-dist.ts lines ranks up with a barrier). */
  beforeRep?: (rep: number) => Promise<void>;
}

/**
 * Runs `reps` timed loops of `steps` steps in this process after 5 warm-up steps; returns samples/s per rep
 * (this rank's rows only). With an exchange of size > 1 each step averages the gradients with the other ranks
 * (flatten, `allreduceMean`, unflatten) before Adam applies them; with {@link soloExchange} it is the plain
 * single-process step.
 */
export async function measure(s: Settings, exchange: GradientExchange, hooks: MeasureHooks = {}): Promise<number[]> {
  await selectBackend({ prefer: [s.backend] });
  const model = new MlpModel(parseModelSpec({ kind: 'mlp', inputSize: 16, hidden: [64, 64], outputSize: 1 }) as MlpSpec, 1);
  const adam = new Adam(model.params, 1e-3);
  const names = [...model.params.keys()];
  const shapes = new Map([...model.params].map(([n, v]) => [n, { shape: [...v.shape] }]));
  const x = tf.randomNormal([s.batch, 16], 0, 1, 'float32', 1 + exchange.rank) as tf.Tensor2D;
  const y = tf.sum(x, 1, true) as tf.Tensor2D;
  const step = async (readLoss = false) => {
    if (exchange.size === 1) {
      const loss = tf.tidy(() => {
        const r = model.lossAndGrads(x, y);
        adam.apply(r.grads);
        return r.loss;
      });
      // Read at the end of a timed run only (it waits for every queued step), as the trainer reads at
      // checkpoints and epoch ends and PyTorch's loop below calls .item() once. Asynchronously: webgpu has no
      // synchronous readback in Node.
      if (readLoss) await loss.data();
      loss.dispose();
      return;
    }
    await inStepScope(tf, async () => {
      const avg = await exchange.allreduceMean(await flattenGrads(model.lossAndGrads(x, y).grads, names));
      adam.apply(unflattenGrads(tf, avg, shapes, names));
    });
  };
  for (let i = 0; i < 5; i++) await step(i === 4);
  const rates: number[] = [];
  for (let r = 0; r < s.reps; r++) {
    await hooks.beforeRep?.(r);
    const t0 = performance.now();
    for (let i = 0; i < s.steps; i++) await step(i === s.steps - 1);
    rates.push((s.batch * s.steps) / ((performance.now() - t0) / 1000));
  }
  model.dispose();
  adam.dispose();
  tf.dispose([x, y]);
  return rates;
}

/**
 * The same model, optimiser and loop in PyTorch, synchronised once per timed run (`.item()`): on the CPU at
 * 1 and 2 threads (`cpu STEPS REPS BATCH`), or on CUDA at each batch size (`cuda STEPS REPS B1,B2,…`).
 */
const TORCH_SCRIPT = String.raw`
import json, statistics, sys, time, torch
device, steps, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
batches = [int(b) for b in sys.argv[4].split(",")]
def measure(batch, dev):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(16, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1)).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(batch, 16, device=dev); y = x.sum(1, keepdim=True)
    def step():
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward(); opt.step()
        return loss
    for _ in range(10): step()
    loss = step(); loss.item()
    rates = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(steps): loss = step()
        loss.item()
        rates.append(batch * steps / (time.perf_counter() - t0))
    return statistics.median(rates)
if device == "cuda":
    if not torch.cuda.is_available(): sys.exit("torch.cuda.is_available() is False")
    dev = torch.device("cuda")
    print(json.dumps({"torch": torch.__version__, "device": torch.cuda.get_device_name(0), "rates": {str(b): measure(b, dev) for b in batches}}))
else:
    out = {}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        out[threads] = measure(batches[0], torch.device("cpu"))
    print(json.dumps({"torch": torch.__version__, "t1": out[1], "t2": out[2]}))
`;
import { ensureTorch } from './lib/torch.ts';


async function pytorch(s: Settings): Promise<{ t1: number; t2: number; torch: string } | { error: string }> {
  const missing = await ensureTorch();
  if (missing) return { error: missing };
  const steps = Math.max(s.steps, 50);
  const run = spawnSync('/usr/bin/python3', ['-c', TORCH_SCRIPT, 'cpu', String(steps), String(Math.max(s.reps, 5)), String(s.batch)], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '2' },
  });
  if (run.status !== 0) return { error: `pytorch run failed: ${run.stderr.split('\n').slice(-2).join(' ')}` };
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { t1: number; t2: number; torch: string };
}

function parseArgs(args: string[]): Settings & { torch: boolean } {
  const get = (name: string, dflt: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
  };
  return {
    steps: Number(get('steps', '40')),
    reps: Number(get('reps', '3')),
    batch: Number(get('batch', '4096')),
    batches: get('batches', '4096,65536,262144').split(',').map(Number),
    backend: get('backend', 'wasm') as BackendName,
    torch: !args.includes('--no-torch'),
  };
}

/** `_b65536` for other batch sizes; none for 4096, the configuration. */
const batchSuffix = (batch: number) => (batch === 4096 ? '' : `_b${batch}`);

/** One process on the GPU at each batch size, with PyTorch on CUDA at the same sizes when asked for. */
async function runOnGpu(s: Settings & { torch: boolean }, backend: string): Promise<Record<string, number | string>> {
  const out: Record<string, number | string> = { backend, batches: s.batches.join(',') };
  for (const batch of s.batches) {
    out[`convoy_${s.backend}_samples_per_s${batchSuffix(batch)}`] = Math.round(median(await measure({ ...s, batch }, soloExchange)));
  }
  if (!s.torch) return out;
  const python = process.env.CONVOY_BENCH_PYTHON ?? 'python3';
  const run = spawnSync(python, ['-c', TORCH_SCRIPT, 'cuda', String(Math.max(s.steps, 50)), String(Math.max(s.reps, 5)), s.batches.join(',')], { encoding: 'utf8' });
  if (run.status !== 0) {
    out.pytorch_error = `${python}: ${(run.error?.message ?? run.stderr).trim().split('\n').slice(-2).join(' ')}`;
    return out;
  }
  const t = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { torch: string; device: string; rates: Record<string, number> };
  out.pytorch_version = t.torch;
  out.pytorch_device = t.device;
  for (const batch of s.batches) {
    const torchRate = t.rates[String(batch)]!;
    out[`pytorch_cuda_samples_per_s${batchSuffix(batch)}`] = Math.round(torchRate);
    out[`convoy_${s.backend}_vs_pytorch_cuda${batchSuffix(batch)}`] = Number(((out[`convoy_${s.backend}_samples_per_s${batchSuffix(batch)}`] as number) / torchRate).toFixed(4));
  }
  return out;
}

export async function run(args: string[]): Promise<Record<string, number | string>> {
  const s = parseArgs(args);
  const choice = await selectBackend({ prefer: [s.backend] });
  if (GPU_BACKENDS.includes(s.backend)) return runOnGpu(s, await describeBackend(choice));
  const single = median(await measure(s, soloExchange));
  const out: Record<string, number | string> = {
    backend: await describeBackend(choice),
    batch: s.batch,
    [`convoy_${s.backend}_samples_per_s`]: Math.round(single),
  };
  if (s.torch) {
    const t = await pytorch(s);
    if ('error' in t) out.pytorch_error = t.error;
    else {
      const torchBest = Math.max(t.t1, t.t2);
      out.pytorch_version = t.torch;
      out.pytorch_cpu_1thread_samples_per_s = Math.round(t.t1);
      out.pytorch_cpu_2threads_samples_per_s = Math.round(t.t2);
      out.pytorch_cpu_samples_per_s = Math.round(torchBest);
      out.convoy_vs_pytorch = Number((single / torchBest).toFixed(3));
    }
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await run(process.argv.slice(2));
  console.log(JSON.stringify(result));
  const width = Math.max(...Object.keys(result).map((k) => k.length));
  for (const [k, v] of Object.entries(result)) {
    console.log(`${k.padEnd(width)}  ${typeof v === 'number' ? v.toLocaleString('en-US') : v}`);
  }
  process.exit(0);
}
