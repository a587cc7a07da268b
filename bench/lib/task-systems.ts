/**
 * The systems the tasks bench (bench/tasks.ts) measures, behind one interface: Convoy on an embedded cluster
 * with its clients, and the Dask distributed peer (bench/peers/dask_tasks.py) driven over its line protocol.
 */
import { fileURLToPath } from 'node:url';
import { connect, type Cluster, type RemoteFunction } from '../../cluster/client/index.ts';
import { startLocalCluster, type LocalCluster, type LocalClusterOptions } from '../../cluster/client/embedded.ts';
import { tsxLoaderUrl } from '../../cluster/common/spawn.ts';
import { DEBIAN_PYTHON, ensureDebianPackages, pythonImports } from './debian.ts';
import { PeerProcess, PeerProcessError } from './peer-process.ts';
import type { ProcessGroups } from './proc-cpu.ts';
import type * as noopModule from '../fixtures/noop.ts';

export const ROUNDS = ['sync', 'async', 'multi_client'] as const;
export type RoundName = (typeof ROUNDS)[number];

/** What the systems need of the bench's options (see tasksOptionsSchema in bench/tasks.ts). */
export interface SystemOptions {
  readonly workers: number;
  readonly clients: number;
  readonly warmup: number;
  readonly syncWarmup: number;
}

/** One system under test: runs a round of `tasks` no-op tasks and says how long it took, in ms. */
export interface TaskSystem {
  readonly name: string;
  measure(round: RoundName, tasks: number): Promise<number>;
  /** The processes doing a round's work, by role, to measure their CPU time (none for peers). */
  processes?(round: RoundName): ProcessGroups;
  /** Every process of the system but the bench's own, to wait for them to go quiet between turns. */
  pids(): readonly number[];
  close(): Promise<void>;
}

const NOOP = new URL('../fixtures/noop.ts', import.meta.url);
const CLIENT_SCRIPT = fileURLToPath(new URL('../fixtures/tasks-client.ts', import.meta.url));
const DASK_PEER = fileURLToPath(new URL('../peers/dask_tasks.py', import.meta.url));

export class ConvoySystem implements TaskSystem {
  readonly name = 'convoy';
  #driver: Cluster | undefined;
  #clients: PeerProcess[] = [];
  #clientPids: number[] = [];

  private constructor(
    private readonly local: LocalCluster,
    driver: Cluster,
    private readonly opts: SystemOptions,
  ) {
    this.#driver = driver;
  }

  /** `cluster`: more options of the embedded cluster (the fault bench picks the head's control store). */
  static async start(opts: SystemOptions, progress: (message: string) => void, cluster: LocalClusterOptions = {}): Promise<ConvoySystem> {
    progress(`starting an embedded cluster: a head and ${opts.workers} workers`);
    const local = await startLocalCluster({ workers: opts.workers, startTimeoutMs: 60_000, ...cluster });
    let driver: Cluster | undefined;
    try {
      driver = await connect(local.address, { token: local.token });
      const system = new ConvoySystem(local, driver, opts);
      progress(`warming up with ${opts.warmup} async and ${opts.syncWarmup} sync tasks`);
      await system.#async(opts.warmup);
      await system.#sync(opts.syncWarmup);
      return system;
    } catch (err) {
      await driver?.close().catch(() => undefined);
      await local.stop();
      throw err;
    }
  }

  /** The in-process client of the sync and async rounds (closed when the multi-client round starts). */
  #cluster(): Cluster {
    if (!this.#driver) throw new Error('the single-client rounds must run before the multi-client round, which closes their client');
    return this.#driver;
  }

  #noop(): RemoteFunction<typeof noopModule.noop> {
    return this.#cluster().task<typeof noopModule.noop>(NOOP, 'noop');
  }

  async #sync(n: number): Promise<void> {
    const cluster = this.#cluster();
    const noop = this.#noop();
    for (let i = 0; i < n; i++) {
      if ((await cluster.get(noop.remote())) !== undefined) throw new Error('the no-op task returned a value');
    }
  }

  async #async(n: number): Promise<void> {
    const noop = this.#noop();
    const values = await this.#cluster().get(Array.from({ length: n }, () => noop.remote()));
    if (values.length !== n || values.some((v) => v !== undefined)) throw new Error(`got ${values.length} results for ${n} no-op tasks`);
  }

  async measure(round: RoundName, tasks: number): Promise<number> {
    if (round === 'multi_client') return this.#multi(tasks);
    const started = performance.now();
    await (round === 'sync' ? this.#sync(tasks) : this.#async(tasks));
    return performance.now() - started;
  }

  /** `tasks` per client; the clients start on one signal and the wall time runs to the last one's finish. */
  async #multi(tasks: number): Promise<number> {
    if (this.#clients.length === 0) await this.#startClients();
    const replies = this.#clients.map((c) => c.reply(600_000, `to run ${tasks} tasks`));
    const started = performance.now();
    for (const c of this.#clients) c.send({ tasks });
    await Promise.all(replies);
    return performance.now() - started;
  }

  async #startClients(): Promise<void> {
    // The driver's idle leases would hold the workers' slots for up to a second into the clients' round.
    await this.#driver?.close();
    this.#driver = undefined;
    const env = { ...process.env, CONVOY_ADDRESS: this.local.address, CONVOY_TOKEN: this.local.token };
    const warmup = String(Math.max(1, Math.floor(this.opts.warmup / this.opts.clients)));
    const started = await Promise.allSettled(
      Array.from({ length: this.opts.clients }, (_, i) =>
        PeerProcess.start({
          name: `convoy client ${i + 1}`,
          command: process.execPath,
          args: ['--import', tsxLoaderUrl(), CLIENT_SCRIPT, warmup],
          env,
          readyTimeoutMs: 120_000,
        }),
      ),
    );
    this.#clients = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value.peer] : []));
    this.#clientPids = started.flatMap((s) => (s.status === 'fulfilled' ? [Number(s.value.ready.pid)] : []));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }

  pids(): readonly number[] {
    return [this.local.head.pid, ...this.local.workers.map((w) => w.pid), ...this.#clientPids];
  }

  processes(round: RoundName): ProcessGroups {
    return {
      client: round === 'multi_client' ? this.#clientPids : [process.pid],
      head: [this.local.head.pid],
      workers: this.local.workers.map((w) => w.pid),
    };
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#clients.map((c) => c.close()));
    await this.#driver?.close().catch(() => undefined);
    await this.local.stop();
  }
}

export class DaskSystem implements TaskSystem {
  readonly name = 'dask';
  private constructor(
    private readonly peer: PeerProcess,
    readonly version: string,
    readonly processIds: readonly number[],
  ) {}

  static async start(opts: SystemOptions, progress: (message: string) => void): Promise<DaskSystem> {
    const have = await ensureDebianPackages({ packages: ['python3-distributed'], probe: () => pythonImports('distributed'), onProgress: progress });
    if (!have.ok) throw new PeerUnavailableError('Dask distributed', have.reason);
    progress(`starting a LocalCluster of ${opts.workers} worker processes and ${opts.clients} clients, warming up`);
    const { peer, ready } = await PeerProcess.start({
      name: 'dask peer',
      command: DEBIAN_PYTHON,
      args: [DASK_PEER, '--workers', String(opts.workers), '--clients', String(opts.clients), '--warmup', String(opts.warmup)],
      readyTimeoutMs: 300_000,
    });
    const pids = Array.isArray(ready.pids) ? ready.pids.map(Number).filter(Number.isInteger) : [];
    return new DaskSystem(peer, String(ready.distributed ?? 'unknown'), pids);
  }

  async measure(round: RoundName, tasks: number): Promise<number> {
    // Dask runs tens to hundreds of tasks per second here: allow 50 ms a task on top of a minute.
    const reply = await this.peer.request({ op: round === 'multi_client' ? 'multi' : round, tasks }, 60_000 + tasks * 50);
    if (typeof reply.ms !== 'number') throw new PeerProcessError(`dask peer answered without a time: ${JSON.stringify(reply)}`, 'dask peer', '');
    return reply.ms;
  }

  pids(): readonly number[] {
    return this.processIds;
  }

  close(): Promise<void> {
    return this.peer.close();
  }
}

/** A peer that cannot run here (missing and not installable); the bench then reports Convoy alone. */
export class PeerUnavailableError extends Error {
  override readonly name = 'PeerUnavailableError';
  constructor(
    readonly peer: string,
    readonly reason: string,
  ) {
    super(`${peer} is not available: ${reason}`);
  }
}
