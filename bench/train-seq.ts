/**
 * Sequence-model training throughput: the traffic GRU (12 steps, state 32, 16 context features, 3 horizons,
 * MSE, Adam 1e-3) at batch 4096, samples per second, beside PyTorch training the same GRU on the same windows.
 *
 * - `convoy_gru_samples_per_s`: one process, tfjs wasm backend, Convoy's trainer step (the model's
 *   `lossAndGrads` + tasks/training/adam.ts), stepSize 1 (the single-sensor model).
 * - `convoy_graph_gru_samples_per_s`: the same with stepSize 2 (the graph model: each step carries the
 *   sensor's reading and its neighbours' mean); `--no-graph` skips it.
 * - `pytorch_gru_samples_per_s` / `pytorch_graph_gru_samples_per_s`: `torch.nn.GRU(batch_first=True)` with a
 *   `Linear` head over the final state and the context, `torch.optim.Adam`, the better median of 1 and 2 CPU
 *   threads (Debian's python3-torch, installed with apt when missing, root only; `--no-torch` skips it).
 * - `gru_vs_pytorch` / `graph_gru_vs_pytorch`: ours over theirs, from the same invocation (the machine is
 *   shared, so only same-run ratios mean anything). The issue's target is ≥ 0.3.
 * - `…_samples_per_cpu_s` and `…_vs_pytorch_per_cpu_s`: the same per second of the process's CPU time
 *   (PyTorch at 1 thread): steadier than wall time where other processes share the cores.
 *
 * Both sides train on identical data: `--windows` fixed pseudo-random windows are generated here once and
 * written to a temporary file that the Python script reads, cut into the same batches in the same order.
 * Each figure is the median of `--reps` timed runs of `--steps` steps after `--warmup` steps; the loss is read
 * once at the end of each run, as the trainer does.
 *
 * The two GRUs have the same parameters and cost, but not the same cell: Convoy's applies the reset gate to
 * the state before the recurrent product (`(r ⊙ h)·Wₕₙ`, Keras' reset_after=false), PyTorch's after it
 * (`r ⊙ (h·Wₕₙ + bₕₙ)`), and PyTorch has a second bias vector. Throughput is what is compared.
 *
 * Usage: `npm run -s bench -- train-seq [--batch 4096] [--steps 8] [--reps 3] [--warmup 2] [--windows 16384]
 *   [--no-graph] [--no-torch]`
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { Adam } from '../tasks/training/adam.ts';
import { describeBackend, selectBackend } from '../tasks/training/backend.ts';
import { GruModel } from '../tasks/training/models/gru.ts';
import { parseModelSpec } from '../tasks/training/models/index.ts';
import { inputWidth, type GruSpec } from '../tasks/training/models/model.ts';
import { booleanFlag, countFlag, parseBenchOptions } from './lib/options.ts';
import { formatNumber, textTable, type BenchResult } from './lib/report.ts';

export const trainSeqOptionsSchema = z.object({
  /** Windows per step. @default 4096 */
  batch: countFlag(4096),
  /** Timed steps per rep. @default 8 */
  steps: countFlag(8),
  /** Timed reps; each figure is their median. @default 3 */
  reps: countFlag(3),
  /** Untimed steps first. @default 2 */
  warmup: countFlag(2),
  /** Distinct windows, cycled through in batches. @default 16384 */
  windows: countFlag(16_384),
  /** Also measure the graph model (stepSize 2). @default true */
  graph: booleanFlag(true),
  /** Also measure PyTorch. @default true */
  torch: booleanFlag(true),
});
export type TrainSeqOptions = z.output<typeof trainSeqOptionsSchema>;

/** The two traffic sequence models: the single-sensor GRU and the graph model's. */
const VARIANTS = [
  { key: 'gru', stepSize: 1 },
  { key: 'graph_gru', stepSize: 2 },
] as const;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const gruSpec = (stepSize: number) => parseModelSpec({ kind: 'gru', steps: 12, stepSize, contextSize: 16, hidden: 32, outputSize: 3 }) as GruSpec;

/** Fixed windows: a smooth random walk per window as the history, uniform context, targets that depend on both. */
export function makeWindows(spec: GruSpec, count: number, seed = 7): { x: Float32Array; y: Float32Array; width: number } {
  let state = seed >>> 0;
  const rand = () => {
    // mulberry32: the same stream on every run and machine.
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const width = inputWidth(spec);
  const history = spec.steps * spec.stepSize;
  const x = new Float32Array(count * width);
  const y = new Float32Array(count * spec.outputSize);
  for (let i = 0; i < count; i++) {
    const row = i * width;
    for (let k = 0; k < spec.stepSize; k++) {
      let v = rand() * 2 - 1;
      for (let t = 0; t < spec.steps; t++) {
        v = 0.9 * v + 0.3 * (rand() - 0.5);
        x[row + t * spec.stepSize + k] = v;
      }
    }
    for (let c = 0; c < spec.contextSize; c++) x[row + history + c] = rand();
    const last = x[row + history - spec.stepSize]!;
    for (let o = 0; o < spec.outputSize; o++) y[i * spec.outputSize + o] = last * (1 - 0.2 * o) + 0.1 * (x[row + history + o]! - 0.5);
  }
  return { x, y, width };
}

/** Per rep: samples per second of wall time and per second of this process's CPU time. */
interface Rates {
  wall: number[];
  cpu: number[];
}

/** Convoy's trainer step on the wasm backend. */
async function measureConvoy(spec: GruSpec, data: ReturnType<typeof makeWindows>, o: TrainSeqOptions): Promise<Rates> {
  const model = new GruModel(spec, 1);
  const adam = new Adam(model.params, 1e-3);
  const batches = Math.max(1, Math.floor(data.x.length / data.width / o.batch));
  const xs = Array.from({ length: batches }, (_, b) => tf.tensor2d(data.x.subarray(b * o.batch * data.width, (b + 1) * o.batch * data.width), [o.batch, data.width]));
  const ys = Array.from({ length: batches }, (_, b) => tf.tensor2d(data.y.subarray(b * o.batch * spec.outputSize, (b + 1) * o.batch * spec.outputSize), [o.batch, spec.outputSize]));
  let next = 0;
  const step = async (readLoss: boolean) => {
    const b = next++ % batches;
    const loss = tf.tidy(() => {
      const r = model.lossAndGrads(xs[b]!, ys[b]!);
      adam.apply(r.grads);
      return r.loss;
    });
    if (readLoss) await loss.data();
    loss.dispose();
  };
  for (let i = 0; i < o.warmup; i++) await step(i === o.warmup - 1);
  const rates: Rates = { wall: [], cpu: [] };
  for (let r = 0; r < o.reps; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < o.steps; i++) await step(i === o.steps - 1);
    const cpu = process.cpuUsage(c0);
    rates.wall.push((o.batch * o.steps) / ((performance.now() - t0) / 1000));
    rates.cpu.push((o.batch * o.steps) / ((cpu.user + cpu.system) / 1e6));
  }
  model.dispose();
  adam.dispose();
  tf.dispose([...xs, ...ys]);
  return rates;
}

/**
 * The same GRU, head, loss, optimiser and batches in PyTorch: argv is the data file, its shape (rows width
 * steps stepSize context outputs hidden), then batch steps reps warmup threads.
 */
const TORCH_SCRIPT = String.raw`
import json, statistics, sys, time
import numpy as np, torch
f = sys.argv[1]
n, width, steps_, step_size, context, outputs, hidden, batch, steps, reps, warmup, threads = map(int, sys.argv[2:14])
raw = np.fromfile(f, dtype=np.float32)
x = torch.from_numpy(raw[: n * width].reshape(n, width).copy())
y = torch.from_numpy(raw[n * width :].reshape(n, outputs).copy())
nb = max(1, n // batch)
xs = [x[b * batch : (b + 1) * batch].contiguous() for b in range(nb)]
ys = [y[b * batch : (b + 1) * batch].contiguous() for b in range(nb)]
class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = torch.nn.GRU(step_size, hidden, batch_first=True)
        self.head = torch.nn.Linear(hidden + context, outputs)
    def forward(self, x):
        hist = x[:, : steps_ * step_size].reshape(x.shape[0], steps_, step_size)
        _, h = self.gru(hist)
        return self.head(torch.cat([h[0], x[:, steps_ * step_size :]], 1))
def measure():
    torch.manual_seed(0)
    model = Model()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    k = [0]
    def step():
        b = k[0] % nb; k[0] += 1
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.mse_loss(model(xs[b]), ys[b])
        loss.backward(); opt.step()
        return loss
    for _ in range(warmup): loss = step()
    loss.item()
    rates, cpu = [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(steps): loss = step()
        loss.item()
        rates.append(batch * steps / (time.perf_counter() - t0))
        cpu.append(batch * steps / (time.process_time() - c0))
    return statistics.median(rates), statistics.median(cpu)
torch.set_num_threads(threads)
rate, cpu = measure()
print(json.dumps({"torch": torch.__version__, "rate": rate, "cpu": cpu}))
`;
import { ensureTorch } from './lib/torch.ts';


/** Wall-time samples/s at 1 and 2 threads, and per CPU-second at 1 thread. */
type TorchRates = { torch: string; t1: number; t2: number; cpu1: number };

async function measureTorch(spec: GruSpec, data: ReturnType<typeof makeWindows>, o: TrainSeqOptions): Promise<TorchRates | { error: string }> {
  const missing = await ensureTorch();
  if (missing) return { error: missing };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-bench-train-seq-'));
  try {
    const file = path.join(dir, 'windows.f32');
    const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    await writeFile(file, Buffer.concat([bytes(data.x), bytes(data.y)]));
    const rows = data.x.length / data.width;
    const shape = [rows, data.width, spec.steps, spec.stepSize, spec.contextSize, spec.outputSize, spec.hidden];
    const loop = [o.batch, o.steps, o.reps, o.warmup];
    const at: { torch: string; rate: number; cpu: number }[] = [];
    for (const threads of [1, 2]) {
      // One process per thread count, its thread pools sized from the start: OpenBLAS's spinning helper threads
      // would otherwise burn the second core even at torch.set_num_threads(1).
      const count = String(threads);
      const run = spawnSync('/usr/bin/python3', ['-c', TORCH_SCRIPT, file, ...[...shape, ...loop, threads].map(String)], {
        encoding: 'utf8',
        env: { ...process.env, OMP_NUM_THREADS: count, OPENBLAS_NUM_THREADS: count, MKL_NUM_THREADS: count },
      });
      if (run.status !== 0) return { error: `pytorch run failed: ${(run.error?.message ?? run.stderr).trim().split('\n').slice(-2).join(' ')}` };
      at.push(JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { torch: string; rate: number; cpu: number });
    }
    return { torch: at[0]!.torch, t1: at[0]!.rate, t2: at[1]!.rate, cpu1: at[0]!.cpu };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run(args: string[]): Promise<BenchResult> {
  const o = parseBenchOptions(trainSeqOptionsSchema, args);
  const choice = await selectBackend({ prefer: ['wasm'] });
  const out: BenchResult = { backend: await describeBackend(choice), batch: o.batch, windows: o.windows, steps: o.steps, reps: o.reps };
  for (const v of VARIANTS) {
    if (v.key === 'graph_gru' && !o.graph) continue;
    const spec = gruSpec(v.stepSize);
    const data = makeWindows(spec, Math.max(o.windows, o.batch));
    process.stderr.write(`train-seq: ${v.key} (stepSize ${v.stepSize}) on Convoy…\n`);
    const rates = await measureConvoy(spec, data, o);
    const ours = median(rates.wall);
    const oursCpu = median(rates.cpu);
    out[`convoy_${v.key}_samples_per_s`] = Math.round(ours);
    out[`convoy_${v.key}_samples_per_cpu_s`] = Math.round(oursCpu);
    if (!o.torch) continue;
    process.stderr.write(`train-seq: ${v.key} (stepSize ${v.stepSize}) on PyTorch…\n`);
    const t = await measureTorch(spec, data, o);
    if ('error' in t) {
      out.pytorch_error = t.error;
      continue;
    }
    const theirs = Math.max(t.t1, t.t2);
    out.pytorch_version = t.torch;
    out[`pytorch_${v.key}_1thread_samples_per_s`] = Math.round(t.t1);
    out[`pytorch_${v.key}_2threads_samples_per_s`] = Math.round(t.t2);
    out[`pytorch_${v.key}_samples_per_s`] = Math.round(theirs);
    out[`${v.key}_vs_pytorch`] = Number((ours / theirs).toFixed(3));
    out[`pytorch_${v.key}_samples_per_cpu_s`] = Math.round(t.cpu1);
    out[`${v.key}_vs_pytorch_per_cpu_s`] = Number((oursCpu / t.cpu1).toFixed(3));
  }
  if (typeof out.gru_vs_pytorch === 'number') out.target = `${out.gru_vs_pytorch >= 0.3 ? 'met' : 'missed'} (gru_vs_pytorch >= 0.3)`;
  return out;
}

/** One row per model: ours, PyTorch's better thread count, the ratio. */
export function table(result: BenchResult): string {
  const rows = [['model', 'convoy samples/s', 'pytorch samples/s', 'pytorch 1 / 2 threads', 'convoy/pytorch', 'per cpu-s: convoy / pytorch (1 thread)', 'ratio']];
  for (const v of VARIANTS) {
    if (result[`convoy_${v.key}_samples_per_s`] === undefined) continue;
    const t1 = result[`pytorch_${v.key}_1thread_samples_per_s`];
    const t2 = result[`pytorch_${v.key}_2threads_samples_per_s`];
    rows.push([
      `${v.key} (stepSize ${v.stepSize})`,
      formatNumber(result[`convoy_${v.key}_samples_per_s`]),
      formatNumber(result[`pytorch_${v.key}_samples_per_s`]),
      t1 === undefined ? '—' : `${formatNumber(t1)} / ${formatNumber(t2)}`,
      result[`${v.key}_vs_pytorch`] === undefined ? '—' : `${result[`${v.key}_vs_pytorch`]}x`,
      `${formatNumber(result[`convoy_${v.key}_samples_per_cpu_s`])} / ${formatNumber(result[`pytorch_${v.key}_samples_per_cpu_s`])}`,
      result[`${v.key}_vs_pytorch_per_cpu_s`] === undefined ? '—' : `${result[`${v.key}_vs_pytorch_per_cpu_s`]}x`,
    ]);
  }
  const notes = [`batch ${result.batch}, ${result.windows} windows, median of ${result.reps} reps of ${result.steps} steps, ${result.backend}`];
  if (result.target !== undefined) notes.push(`target: ${result.target}`);
  if (result.pytorch_error !== undefined) notes.push(`pytorch not run: ${result.pytorch_error}`);
  else if (result.pytorch_version === undefined) notes.push('pytorch not run: disabled (--no-torch)');
  return [textTable(rows), ...notes].join('\n');
}
