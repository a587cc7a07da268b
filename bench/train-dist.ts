/**
 * Data-parallel scaling across processes: collective allreduce bandwidth and multi-process MLP training
 * throughput, beside torch.distributed (gloo) and PyTorch DDP on the same machine in the same run.
 *
 * Allreduce, 2 Node processes joined in a collective group (cluster/collective) on loopback, each summing one
 * Float32Array in place (the same array every time), 2 untimed then `--reps` timed, a barrier before each:
 * - `allreduce_GBps` (100 MB) / `allreduce_GBps_<N>MB` (the other `--sizes-mb`): bytes of the vector / seconds
 *   of one allreduce / 1e9 (algorithm bandwidth; a rep's time is the slower rank's), median of the reps.
 * - `gloo_allreduce_GBps[_<N>MB]`: the same with torch.distributed's gloo backend on 2 Python processes
 *   (`dist.all_reduce`, SUM, in place, torch.set_num_threads(1), a dist.barrier() before each).
 * - `allreduce_vs_gloo[_<N>MB]`: ours over gloo's.
 *
 * Training, the MLP of bench/train.ts (16-64-64-1, ReLU, MSE, Adam 1e-3) on the wasm backend at `--batch`
 * rows per process, with bench/train.ts's very step (`measure`); each process runs 5 warm-up steps, then
 * `--reps` timed runs of `--steps` steps, lined up across processes by a barrier before each run:
 * - `samples_per_s_1`: one process training alone (no exchange).
 * - `samples_per_s_2`: two processes, each on its own batch, averaging gradients every step through a
 *   CollectiveGroup (`allreduceMean`); the sum of both ranks' samples/s in the same run, median of the runs.
 *   `scaling_2` = samples_per_s_2 / samples_per_s_1.
 * - `independent_samples_per_s_2` / `independent_scaling_2`: two processes training at the same time, each
 *   alone (no exchange): how far this machine's cores scale with nothing to synchronise, the ceiling for
 *   `scaling_2`. `scaling_vs_independent` = scaling_2 / independent_scaling_2.
 * - `ddp_samples_per_s_1`, `ddp_samples_per_s_2`, `ddp_scaling_2`: the same model, batch, steps and reps in
 *   PyTorch: one process with the plain model, then 2 processes in DistributedDataParallel over gloo,
 *   torch.set_num_threads(1) in each (bench/peers/torch_dist.py).
 *
 * Every process is a child of the bench (bench/lib/train-dist-rank.ts for Node, bench/peers/torch_dist.py
 * run by Debian's /usr/bin/python3 with python3-torch, installed with apt when missing, root only), stopped
 * when its part is done or any of them fails; a child that dies fails the bench with the end of its stderr.
 * Without torch (`--no-torch`, or not installable) the peer fields are absent and `torch_error` says why; a
 * torch failure mid-run is reported the same way. Our own failures fail the bench.
 *
 * Usage: `npm run -s bench -- train-dist [--reps 5] [--steps 30] [--batch 4096] [--sizes-mb 10,100]
 *   [--no-allreduce] [--no-train] [--no-torch]`
 */
import net from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ownExecArgv } from '../cluster/common/spawn.ts';
import { DEBIAN_PYTHON } from './lib/debian.ts';
import { booleanFlag, countFlag, parseBenchOptions } from './lib/options.ts';
import { PeerProcess, type PeerProcessOptions } from './lib/peer-process.ts';
import { formatNumber, textTable, type BenchResult } from './lib/report.ts';
import { median, round } from './lib/stats.ts';
import { ensureTorch } from './lib/torch.ts';
import type { Settings } from './train.ts';

export const trainDistOptionsSchema = z.object({
  /** Timed reps of every measurement; each figure is their median. @default 5 */
  reps: countFlag(5),
  /** Timed training steps per rep. @default 30 */
  steps: countFlag(30),
  /** Rows per step on each process. @default 4096 */
  batch: countFlag(4096),
  /** Allreduce vector sizes in MB (1e6 bytes). @default 10,100 */
  sizesMb: z
    .string()
    .default('10,100')
    .transform((v, ctx) => {
      const sizes = v.split(',').map((x) => Number(x.trim()));
      if (sizes.some((x) => !Number.isFinite(x) || x <= 0)) {
        ctx.addIssue({ code: 'custom', message: `expected positive sizes in MB separated by commas, got "${v}"` });
        return z.NEVER;
      }
      return sizes;
    }),
  /** Measure allreduce bandwidth. @default true */
  allreduce: booleanFlag(true),
  /** Measure training throughput. @default true */
  train: booleanFlag(true),
  /** Also measure torch.distributed / DDP. @default true */
  torch: booleanFlag(true),
});
export type TrainDistOptions = z.output<typeof trainDistOptionsSchema>;

/** The size whose fields carry no suffix. */
const HEADLINE_MB = 100;
const ALLREDUCE_WARMUP = 2;
/** bench/train.ts's measure runs 5 warm-up steps; PyTorch gets as many. */
const TRAIN_WARMUP_STEPS = 5;
const RANKS = 2;
const REPLY_TIMEOUT_MS = 600_000;

const RANK_FILE = fileURLToPath(new URL('./lib/train-dist-rank.ts', import.meta.url));
const TORCH_FILE = fileURLToPath(new URL('./peers/torch_dist.py', import.meta.url));

const sizeSuffix = (mb: number) => (mb === HEADLINE_MB ? '' : `_${mb}MB`);
const bytesOf = (mb: number) => Math.round((mb * 1e6) / 4) * 4;
const progress = (line: string) => void process.stderr.write(`train-dist: ${line}\n`);

/**
 * Starts every child, runs `body` with them, and stops them all however it ends. A child that dies fails its
 * pending reply at once (PeerProcess), and Promise.all passes that on without waiting for the others.
 */
async function withPeers<T>(specs: PeerProcessOptions[], body: (peers: PeerProcess[], ready: Record<string, unknown>[]) => Promise<T>): Promise<T> {
  const starts = specs.map((s) => PeerProcess.start(s));
  try {
    const started = await Promise.all(starts);
    return await body(
      started.map((s) => s.peer),
      started.map((s) => s.ready),
    );
  } finally {
    // Stdin closed first (the children's cue to leave), SIGTERM a second later, SIGKILL after two.
    await Promise.all(starts.map((p) => p.then((s) => s.peer.close(1000), () => undefined)));
  }
}

/** The same request to every peer, in parallel. */
const everyone = (peers: PeerProcess[], make: (rank: number) => Record<string, unknown>) =>
  Promise.all(peers.map((p, rank) => p.request(make(rank), REPLY_TIMEOUT_MS)));

const nodeRanks = (n: number): PeerProcessOptions[] =>
  Array.from({ length: n }, (_, rank) => ({
    name: `node rank ${rank}`,
    command: process.execPath,
    args: [...ownExecArgv(), RANK_FILE],
  }));

/** Node ranks joined into one collective group. */
async function joinGroup(peers: PeerProcess[]): Promise<void> {
  const addresses = (await everyone(peers, () => ({ op: 'open' }))).map((r) => r.address as string);
  await everyone(peers, (rank) => ({ op: 'join', rank, addresses }));
}

/** A port nobody listens on now (for torch's rendezvous): bound to 0, read, released. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The loopback interface's name, for gloo (which otherwise picks the interface the hostname resolves to). */
function loopbackInterface(): string {
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    if (addrs?.some((a) => a.internal && a.address === '127.0.0.1')) return name;
  }
  return 'lo';
}

async function torchRanks(n: number): Promise<PeerProcessOptions[]> {
  const port = String(await freePort());
  return Array.from({ length: n }, (_, rank) => ({
    name: `torch rank ${rank}`,
    command: DEBIAN_PYTHON,
    args: [TORCH_FILE],
    env: {
      ...process.env,
      RANK: String(rank),
      WORLD_SIZE: String(n),
      MASTER_ADDR: '127.0.0.1',
      MASTER_PORT: port,
      GLOO_SOCKET_IFNAME: loopbackInterface(),
      OMP_NUM_THREADS: '1',
      OPENBLAS_NUM_THREADS: '1',
      MKL_NUM_THREADS: '1',
      PYTHONUNBUFFERED: '1',
    },
  }));
}

/** GB/s per rep from each rank's seconds per rep: the slower rank's time is the operation's. */
function bandwidths(bytes: number, replies: Record<string, unknown>[]): number[] {
  const perRank = replies.map((r) => r.seconds as number[]);
  return perRank[0]!.map((_, rep) => bytes / Math.max(...perRank.map((s) => s[rep]!)) / 1e9);
}

/** Samples/s of all ranks together per rep (the sum of each rank's rate in that rep). */
function totals(replies: Record<string, unknown>[]): number[] {
  const perRank = replies.map((r) => r.rates as number[]);
  return perRank[0]!.map((_, rep) => perRank.reduce((sum, rates) => sum + rates[rep]!, 0));
}

/** Median GB/s at each size, Convoy's collective group. */
async function convoyAllreduce(o: TrainDistOptions): Promise<Map<number, number>> {
  return withPeers(nodeRanks(RANKS), async (peers) => {
    await joinGroup(peers);
    const out = new Map<number, number>();
    for (const mb of o.sizesMb) {
      progress(`convoy allreduce ${mb} MB on ${RANKS} processes…`);
      const bytes = bytesOf(mb);
      out.set(mb, median(bandwidths(bytes, await everyone(peers, () => ({ op: 'allreduce', bytes, reps: o.reps, warmup: ALLREDUCE_WARMUP })))));
    }
    return out;
  });
}

/** What the torch ranks said about themselves (their ready message). */
interface TorchSeen {
  version?: string;
}

/** Median GB/s at each size, torch.distributed gloo. */
async function glooAllreduce(o: TrainDistOptions, seen: TorchSeen): Promise<Map<number, number>> {
  return withPeers(await torchRanks(RANKS), async (peers, ready) => {
    seen.version = String(ready[0]!.torch);
    await everyone(peers, () => ({ op: 'init' }));
    const out = new Map<number, number>();
    for (const mb of o.sizesMb) {
      progress(`gloo allreduce ${mb} MB on ${RANKS} processes…`);
      const bytes = bytesOf(mb);
      out.set(mb, median(bandwidths(bytes, await everyone(peers, () => ({ op: 'allreduce', bytes, reps: o.reps, warmup: ALLREDUCE_WARMUP })))));
    }
    return out;
  });
}

/** Median total samples/s of `n` Node processes: alone (n = 1), exchanging gradients, or independent. */
async function convoyTraining(o: TrainDistOptions, n: number, exchange: 'group' | 'solo'): Promise<number> {
  const settings: Settings = { steps: o.steps, reps: o.reps, batch: o.batch, batches: [o.batch], backend: 'wasm' };
  return withPeers(nodeRanks(n), async (peers) => {
    if (n > 1) await joinGroup(peers);
    return median(totals(await everyone(peers, () => ({ op: 'train', settings, exchange }))));
  });
}

/** Median total samples/s of `n` PyTorch processes (the plain model for 1, DDP over gloo for more). */
async function ddpTraining(o: TrainDistOptions, n: number, seen: TorchSeen): Promise<number> {
  return withPeers(await torchRanks(n), async (peers, ready) => {
    seen.version = String(ready[0]!.torch);
    await everyone(peers, () => ({ op: 'init' }));
    return median(totals(await everyone(peers, () => ({ op: 'ddp', batch: o.batch, steps: o.steps, reps: o.reps, warmup: TRAIN_WARMUP_STEPS }))));
  });
}

/** A failure as one line for the record: its message and the last lines of the child's stderr. */
const oneLine = (err: unknown) =>
  ((err as Error).message ?? String(err))
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-6)
    .join(' | ')
    .slice(0, 600);

export async function run(args: string[]): Promise<BenchResult> {
  const o = parseBenchOptions(trainDistOptionsSchema, args);
  const out: BenchResult = { processes: RANKS, reps: o.reps };
  let torchError: string | undefined = o.torch ? await ensureTorch() : 'disabled (--no-torch)';
  const seen: TorchSeen = {};
  const tryTorch = async <T>(what: string, f: () => Promise<T>): Promise<T | undefined> => {
    if (torchError !== undefined) return undefined;
    try {
      return await f();
    } catch (err) {
      torchError = `${what} failed: ${oneLine(err)}`;
      return undefined;
    }
  };

  if (o.allreduce) {
    out.sizes_mb = o.sizesMb.join(',');
    const ours = await convoyAllreduce(o);
    const gloo = await tryTorch('gloo allreduce', () => glooAllreduce(o, seen));
    for (const mb of o.sizesMb) {
      const sfx = sizeSuffix(mb);
      out[`allreduce_GBps${sfx}`] = round(ours.get(mb)!, 3);
      if (!gloo) continue;
      out[`gloo_allreduce_GBps${sfx}`] = round(gloo.get(mb)!, 3);
      out[`allreduce_vs_gloo${sfx}`] = round(ours.get(mb)! / gloo.get(mb)!, 3);
    }
  }

  if (o.train) {
    Object.assign(out, { backend: 'wasm', batch: o.batch, steps: o.steps });
    progress('convoy training, 1 process…');
    const one = await convoyTraining(o, 1, 'solo');
    progress(`convoy training, ${RANKS} processes exchanging gradients…`);
    const two = await convoyTraining(o, RANKS, 'group');
    progress(`convoy training, ${RANKS} independent processes…`);
    const independent = await convoyTraining(o, RANKS, 'solo');
    Object.assign(out, {
      samples_per_s_1: Math.round(one),
      samples_per_s_2: Math.round(two),
      scaling_2: round(two / one, 3),
      independent_samples_per_s_2: Math.round(independent),
      independent_scaling_2: round(independent / one, 3),
      scaling_vs_independent: round(two / independent, 3),
    });
    progress('pytorch training, 1 process…');
    const ddp1 = await tryTorch('pytorch training (1 process)', () => ddpTraining(o, 1, seen));
    progress(`pytorch DDP training, ${RANKS} processes…`);
    const ddp2 = await tryTorch(`pytorch DDP (${RANKS} processes)`, () => ddpTraining(o, RANKS, seen));
    if (ddp1 !== undefined && ddp2 !== undefined) {
      Object.assign(out, { ddp_samples_per_s_1: Math.round(ddp1), ddp_samples_per_s_2: Math.round(ddp2), ddp_scaling_2: round(ddp2 / ddp1, 3) });
    }
  }

  if (torchError !== undefined) out.torch_error = torchError;
  else if (seen.version !== undefined) out.torch_version = seen.version;
  return out;
}

/** Allreduce per size (ours, gloo, ratio), then training (1 and 2 processes, scaling) for the three setups. */
export function table(result: BenchResult): string {
  const parts: string[] = [];
  const sizes = typeof result.sizes_mb === 'string' ? result.sizes_mb.split(',').map(Number) : [];
  if (sizes.length > 0) {
    const rows = [[`allreduce, ${result.processes} processes`, 'convoy GB/s', 'gloo GB/s', 'convoy/gloo']];
    for (const mb of sizes) {
      const sfx = sizeSuffix(mb);
      const r = result[`allreduce_vs_gloo${sfx}`];
      rows.push([`${mb} MB`, formatNumber(result[`allreduce_GBps${sfx}`]), formatNumber(result[`gloo_allreduce_GBps${sfx}`]), r === undefined ? '—' : `${r}x`]);
    }
    parts.push(textTable(rows));
  }
  if (result.samples_per_s_1 !== undefined) {
    const x = (v: number | string | undefined) => (v === undefined ? '—' : `${v}x`);
    parts.push(
      textTable([
        [`training samples/s (batch ${result.batch} per process)`, 'convoy', 'convoy, no exchange', 'pytorch ddp'],
        ['1 process', formatNumber(result.samples_per_s_1), formatNumber(result.samples_per_s_1), formatNumber(result.ddp_samples_per_s_1)],
        ['2 processes', formatNumber(result.samples_per_s_2), formatNumber(result.independent_samples_per_s_2), formatNumber(result.ddp_samples_per_s_2)],
        ['scaling', x(result.scaling_2), x(result.independent_scaling_2), x(result.ddp_scaling_2)],
      ]),
    );
  }
  const notes = [`median of ${result.reps} reps${result.steps === undefined ? '' : ` of ${result.steps} steps`}`];
  if (result.scaling_vs_independent !== undefined) notes.push(`scaling_vs_independent: ${result.scaling_vs_independent}`);
  notes.push(result.torch_error === undefined ? `torch ${result.torch_version ?? '?'}` : `torch not run: ${result.torch_error}`);
  parts.push(notes.join('; '));
  return parts.join('\n\n');
}
