/**
 * The head's Prometheus metrics (`GET /metrics`, prom-client), read off the head's own state at each scrape
 * rather than counted on the hot path: what `/api/status` shows (nodes, their resources, load and object
 * stores; tasks by state; objects, leases, clients, jobs, waiting requests), the latest progress of each
 * driver (a collection's samples, API requests and cost), the tune runs' trials and best results, and the
 * head process itself (prom-client's default metrics, prefixed `convoy_head_`).
 *
 * Tasks in a final state (finished, failed, cancelled) are counters (`convoy_tasks_total`): the head's counts
 * of them only grow, so `rate()` works; a count that went down (a client's report superseded) resets that
 * series, as a restarted process's counter would. Tasks not final yet are a gauge (`convoy_tasks`).
 *
 * Label values are node ids, resource names, job and run ids: bounded by the cluster's size and the head's
 * bounded history (tune-history.ts), so a long-lived head's scrape does not grow without end.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { TASK_STATES, type ClusterStatus, type ProgressReport, type TuneRunSummary } from '../../api/head-api.ts';

/** What a scrape reads of the head. */
export interface MetricsSource {
  status(): ClusterStatus;
  tuneRuns(): TuneRunSummary[];
  /** The latest report of each progress bar now shown. */
  progress(): ProgressReport[];
}

const FINAL_STATES: ReadonlySet<string> = new Set(['finished', 'failed', 'cancelled']);

export class HeadMetrics {
  readonly registry = new Registry();
  /** The state read once per scrape, shared by every metric's collect. */
  #status: ClusterStatus | undefined;
  /** Last value added to each final-state counter, to add only what is new. */
  readonly #counted = new Map<string, number>();

  constructor(source: MetricsSource) {
    const r = this.registry;
    collectDefaultMetrics({ register: r, prefix: 'convoy_head_' });
    const status = () => (this.#status ??= source.status());

    gauge(r, 'convoy_nodes', 'Nodes by state.', ['state'], (g) => {
      const byState: Record<string, number> = { alive: 0, draining: 0, dead: 0 };
      for (const n of status().nodes) byState[n.state] = (byState[n.state] ?? 0) + 1;
      for (const [state, n] of Object.entries(byState)) g.set({ state }, n);
    });
    const live = () => status().nodes.filter((n) => n.state !== 'dead');
    // Status already leaves out the runtime's own resources (`_slots`): these are what users asked for.
    gauge(r, 'convoy_node_resource_total', "What a live node offers, per resource (memory in bytes).", ['node', 'resource'], (g) => {
      for (const n of live()) for (const [resource, v] of Object.entries(n.total)) g.set({ node: n.nodeId, resource }, v);
    });
    gauge(r, 'convoy_node_resource_used', "What a live node's leases hold now, per resource.", ['node', 'resource'], (g) => {
      for (const n of live()) {
        for (const [resource, v] of Object.entries(n.total)) g.set({ node: n.nodeId, resource }, v - (n.available[resource] ?? 0));
      }
    });
    const load = (name: string, help: string, pick: (l: NonNullable<ClusterStatus['nodes'][number]['load']>) => number) =>
      gauge(r, name, help, ['node'], (g) => {
        for (const n of live()) if (n.load) g.set({ node: n.nodeId }, pick(n.load));
      });
    load('convoy_node_queued_tasks', 'Tasks queued on a node, waiting for a pool thread.', (l) => l.queuedTasks);
    load('convoy_node_running_tasks', 'Tasks running on a node, and actor calls not answered yet.', (l) => l.runningTasks);
    load('convoy_node_store_used_bytes', "Bytes in a node's object store memory.", (l) => l.storeUsedBytes);
    load('convoy_node_store_budget_bytes', "A node's object store memory budget.", (l) => l.storeBudgetBytes);
    load('convoy_node_store_spilled_bytes', 'Bytes a node has spilled to disk or to its spill target.', (l) => l.storeSpilledBytes);
    load('convoy_node_store_objects', "Objects in a node's store.", (l) => l.storeObjects);

    const count = (counter: Counter<'state'>, state: string, n: number) => this.#count(counter, state, n);
    new Counter({
      name: 'convoy_tasks_total',
      help: "Tasks that reached a final state (finished, failed, cancelled), from their owners' counts.",
      labelNames: ['state'],
      registers: [r],
      collect() {
        for (const state of FINAL_STATES) count(this, state, status().tasksByState[state] ?? 0);
      },
    });
    gauge(r, 'convoy_tasks', 'Tasks not final yet, by state (pending_args, queued, running).', ['state'], (g) => {
      for (const state of TASK_STATES) if (!FINAL_STATES.has(state)) g.set({ state }, status().tasksByState[state] ?? 0);
    });
    gauge(r, 'convoy_objects', 'Objects the head knows the location of.', [], (g) => g.set(status().objects.count));
    gauge(r, 'convoy_object_bytes', 'Bytes of the objects the head knows the location of.', [], (g) => g.set(status().objects.bytes));
    gauge(r, 'convoy_leases', 'Worker leases granted to drivers now.', [], (g) => g.set(status().leases));
    gauge(r, 'convoy_clients', 'Drivers connected now.', [], (g) => g.set(status().clients));
    gauge(r, 'convoy_pending_requests', 'Lease requests waiting for resources; infeasible: no node can ever satisfy them.', ['infeasible'], (g) => {
      let feasible = 0;
      let infeasible = 0;
      for (const p of status().pending) {
        if (p.infeasible) infeasible += p.count;
        else feasible += p.count;
      }
      g.set({ infeasible: 'false' }, feasible);
      g.set({ infeasible: 'true' }, infeasible);
    });
    gauge(r, 'convoy_jobs', 'Jobs by status.', ['status'], (g) => {
      const by: Record<string, number> = { PENDING: 0, RUNNING: 0, SUCCEEDED: 0, FAILED: 0, STOPPED: 0 };
      for (const j of status().jobs) by[j.status] = (by[j.status] ?? 0) + 1;
      for (const [s, n] of Object.entries(by)) g.set({ status: s }, n);
    });

    // Progress bars: a collection's samples (done of total), rate and ETA, and its numeric extras
    // (apiRequests, costUsd), under the bar's id (the job's) and label.
    const bars = () => source.progress();
    gauge(r, 'convoy_progress_done', 'Units done of a progress bar (a collection: samples).', ['id', 'label'], (g) => {
      for (const p of bars()) g.set({ id: p.id, label: p.label }, p.done);
    });
    gauge(r, 'convoy_progress_total', 'Units a progress bar is heading for.', ['id', 'label'], (g) => {
      for (const p of bars()) g.set({ id: p.id, label: p.label }, p.total);
    });
    gauge(r, 'convoy_progress_rate', 'Units per second of a progress bar.', ['id', 'label'], (g) => {
      for (const p of bars()) g.set({ id: p.id, label: p.label }, p.rate);
    });
    gauge(r, 'convoy_progress_eta_seconds', 'Seconds left of a progress bar, where known.', ['id', 'label'], (g) => {
      for (const p of bars()) if (p.etaS !== null) g.set({ id: p.id, label: p.label }, p.etaS);
    });
    gauge(r, 'convoy_progress_extra', "A progress bar's numeric extra figures (a provider collection's apiRequests, costUsd).", ['id', 'name'], (g) => {
      for (const p of bars()) for (const [name, v] of Object.entries(p.extra ?? {})) if (typeof v === 'number') g.set({ id: p.id, name }, v);
    });

    const runs = () => source.tuneRuns();
    gauge(r, 'convoy_tune_trials', "A tune run's trials by status.", ['run', 'status'], (g) => {
      for (const run of runs()) {
        const by: Record<string, number> = { pending: 0, running: 0, terminated: 0, stopped: 0, error: 0 };
        for (const t of run.trials) by[t.status] = (by[t.status] ?? 0) + 1;
        for (const [status, n] of Object.entries(by)) g.set({ run: run.name, status }, n);
      }
    });
    gauge(r, 'convoy_tune_best', "The best value of a tune run's metric so far (min or max, as the run asks).", ['run', 'metric', 'mode'], (g) => {
      for (const run of runs()) {
        const values = run.trials.map((t) => t.metrics[run.metric]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
        if (values.length > 0) g.set({ run: run.name, metric: run.metric, mode: run.mode }, run.mode === 'min' ? Math.min(...values) : Math.max(...values));
      }
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text of one scrape. */
  async text(): Promise<string> {
    this.#status = undefined;
    try {
      return await this.registry.metrics();
    } finally {
      this.#status = undefined;
    }
  }

  #count(counter: Counter<'state'>, state: string, now: number): void {
    const before = this.#counted.get(state) ?? 0;
    if (now < before) counter.remove({ state });
    const add = now < before ? now : now - before;
    counter.inc({ state }, add);
    this.#counted.set(state, now);
  }
}

/** A gauge whose values are set at each scrape by `fill`; series not set this time are dropped. */
function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: L[], fill: (g: Gauge<L>) => void): void {
  new Gauge<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      fill(this);
    },
  });
}
