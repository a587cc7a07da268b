/**
 * The head's short history for the dashboard's charts (GET /api/series): every few seconds it samples the
 * node table (CPU, memory and GPU in use, object store used and spilled), the task counts and the progress
 * bars, and keeps the last `capacity` samples. A dashboard opened now draws the last hour at once instead of
 * starting from an empty chart, and the head's memory for it is fixed: samples are dropped oldest first, and
 * each sample holds at most MAX_NODES nodes and MAX_PROGRESS bars.
 */
import type { ClusterStatus, FeedEvent, NodeSeries, ProgressSeries, SeriesReport } from '../api/head-api.ts';

/** @default how often a sample is taken */
export const SERIES_INTERVAL_MS = 5000;
/** @default samples kept (an hour at the default interval) */
export const SERIES_CAPACITY = 720;
/** Nodes per sample: alive ones first; a cluster larger than this charts its first ones. */
export const MAX_NODES = 64;
/** Progress bars per sample: the most recently updated ones. */
export const MAX_PROGRESS = 20;

interface NodeSample {
  address: string;
  cpuUsed: number;
  cpuTotal: number;
  memoryUsed: number;
  memoryTotal: number;
  gpuUsed: number;
  gpuTotal: number;
  storeUsedBytes: number;
  storeBudgetBytes: number;
  storeSpilledBytes: number;
}

interface Sample {
  t: number;
  tasks: Record<'finished' | 'failed' | 'running' | 'queued', number>;
  nodes: Map<string, NodeSample>;
  progress: Map<string, { label: string; done: number; total: number }>;
}

const NODE_FIELDS = ['cpuUsed', 'cpuTotal', 'memoryUsed', 'memoryTotal', 'gpuUsed', 'gpuTotal', 'storeUsedBytes', 'storeBudgetBytes', 'storeSpilledBytes'] as const;

export interface SeriesSource {
  status(): ClusterStatus;
  /** The live progress bars (the event hub's snapshot; other events are ignored). */
  progress(): FeedEvent[];
}

export class NodeSeriesRecorder {
  readonly #samples: Sample[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly source: SeriesSource,
    private readonly opts: { intervalMs?: number; capacity?: number } = {},
  ) {}

  get intervalMs(): number {
    return this.opts.intervalMs ?? SERIES_INTERVAL_MS;
  }

  get capacity(): number {
    return this.opts.capacity ?? SERIES_CAPACITY;
  }

  /** Samples now, then every interval until `close()`. */
  start(): void {
    if (this.#timer) return;
    this.sample();
    this.#timer = setInterval(() => this.sample(), this.intervalMs);
    this.#timer.unref();
  }

  /** Takes one sample (the timer's work; tests call it to take one at a known moment). */
  sample(now = Date.now()): void {
    const s = this.source.status();
    const count = (k: string) => s.tasksByState[k] ?? 0;
    const nodes = new Map<string, NodeSample>();
    const order = [...s.nodes].sort((a, b) => Number(a.state === 'dead') - Number(b.state === 'dead'));
    for (const n of order.slice(0, MAX_NODES)) {
      if (n.state === 'dead') continue;
      const used = (k: string) => Math.max(0, (n.total[k] ?? 0) - (n.available[k] ?? 0));
      nodes.set(n.nodeId, {
        address: n.address,
        cpuUsed: used('cpu'),
        cpuTotal: n.total.cpu ?? 0,
        memoryUsed: used('memory'),
        memoryTotal: n.total.memory ?? 0,
        gpuUsed: used('gpu'),
        gpuTotal: n.total.gpu ?? 0,
        storeUsedBytes: n.load?.storeUsedBytes ?? 0,
        storeBudgetBytes: n.load?.storeBudgetBytes ?? 0,
        storeSpilledBytes: n.load?.storeSpilledBytes ?? 0,
      });
    }
    const bars = this.source
      .progress()
      .flatMap((e) => (e.type === 'progress' ? [e] : []))
      .sort((a, b) => b.ts - a.ts)
      .slice(0, MAX_PROGRESS);
    this.#samples.push({
      t: now,
      tasks: { finished: count('finished'), failed: count('failed'), running: count('running'), queued: count('queued') },
      nodes,
      progress: new Map(bars.map((b) => [b.id, { label: b.label, done: b.done, total: b.total }])),
    });
    if (this.#samples.length > this.capacity) this.#samples.splice(0, this.#samples.length - this.capacity);
  }

  /** The kept samples as columns, oldest first: one entry per sample, null where a node or bar was absent. */
  report(): SeriesReport {
    const samples = this.#samples;
    const nodeIds = new Map<string, string>();
    const barLabels = new Map<string, { label: string; total: number }>();
    for (const s of samples) {
      for (const [id, n] of s.nodes) nodeIds.set(id, n.address);
      for (const [id, b] of s.progress) barLabels.set(id, { label: b.label, total: b.total });
    }
    const nodes: NodeSeries[] = [...nodeIds].map(([nodeId, address]) => {
      const series = { nodeId, address } as NodeSeries;
      for (const f of NODE_FIELDS) series[f] = samples.map((s) => s.nodes.get(nodeId)?.[f] ?? null);
      return series;
    });
    const progress: ProgressSeries[] = [...barLabels].map(([id, last]) => ({
      id,
      label: last.label,
      total: last.total,
      done: samples.map((s) => s.progress.get(id)?.done ?? null),
    }));
    return {
      intervalMs: this.intervalMs,
      capacity: this.capacity,
      t: samples.map((s) => s.t),
      tasks: {
        finished: samples.map((s) => s.tasks.finished),
        failed: samples.map((s) => s.tasks.failed),
        running: samples.map((s) => s.tasks.running),
        queued: samples.map((s) => s.tasks.queued),
      },
      nodes,
      progress,
    };
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
