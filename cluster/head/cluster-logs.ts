/**
 * The cluster's logs as `convoy logs` shows them, gathered by the head: its own log (a file it writes), each
 * live node's log and its tasks' tagged output (asked of the node over ReadLog, worker/log-files.ts), and
 * one task's or actor's lines from every live node (a task may have run on several: retries, actors that
 * restarted elsewhere). A read has two parts so that a bad request is an HTTP error, not a broken stream:
 * `open` checks the request and collects the tail (which can throw), then `follow`, if asked, streams what
 * is written after it. Job logs are the job manager's (jobs/); the listing names them.
 *
 * A follow of a node's log ends when that node goes; a follow of a task or actor goes on until the reader
 * stops it, and also reads nodes that register meanwhile.
 */
import { statSync } from 'node:fs';
import { AmbiguousNodeError, LogNotFoundError, UnknownNodeError } from '../common/errors.ts';
import { LineFollower, tailLines } from '../common/log-lines.ts';
import type { NodeLogName } from '../common/log-query.ts';
import { loadProtos, type WorkerServiceClient } from '../proto/load.ts';
import type { LogLines__Output } from '../proto/generated/convoy/v1/LogLines.ts';
import { channelCredentials, clientOptions, grpc, type TlsOptions } from '../transport/grpc.ts';
import type { JobInfo, LogListing, NodeLogEntry } from '../api/head-api.ts';
import type { NodeTable } from './node-table.ts';
import type { NodeRecord } from './control/records.ts';

export type LogSource =
  | { kind: 'head' }
  | { kind: 'node'; node: string; file: NodeLogName }
  | { kind: 'task'; taskId: string }
  | { kind: 'actor'; actorId: string };

export interface OpenedLog {
  /** The last lines, oldest first (task and actor lines from several nodes in time order). */
  readonly lines: string[];
  /** Some node's tail stopped at its scan limit: older lines may exist. */
  readonly truncated: boolean;
  /** Streams lines written after the tail until `stop()`; `onEnd` when every source has ended. */
  follow(onLines: (lines: string[]) => void, onEnd: () => void): () => void;
}

export interface ClusterLogsOptions {
  nodes: Pick<NodeTable, 'alive' | 'find'>;
  /** Calls back with each node that registers (or registers again); returns the unsubscribe. */
  nodeUp?: (cb: (nodeId: string) => void) => () => void;
  jobs: { list(): JobInfo[] };
  headLogFile: string;
  token: string;
  tls?: TlsOptions;
}

interface NodeLogRequest {
  name: NodeLogName;
  tail: number;
  follow: boolean;
  taskId?: string;
  actorId?: string;
}

/** One node's ReadLog: its tail, then (following) where its new lines go. */
interface NodeSource {
  tail: string[];
  truncated: boolean;
  live?: (lines: string[]) => void;
  ended: boolean;
  onEnd?: () => void;
  call: grpc.ClientReadableStream<LogLines__Output>;
  client: WorkerServiceClient;
}

/** How long a node may take to answer a listing or a tail. */
const NODE_ANSWER_MS = 10_000;

export class ClusterLogs {
  constructor(private readonly o: ClusterLogsOptions) {}

  async list(): Promise<LogListing> {
    const nodes = await Promise.all(
      this.o.nodes.alive().map(
        (n) =>
          new Promise<NodeLogEntry>((resolve) => {
            const client = this.#client(n);
            client.ListLogs({}, { deadline: Date.now() + NODE_ANSWER_MS }, (err, res) => {
              client.close();
              if (err || !res) return resolve({ nodeId: n.nodeId, address: n.address, files: [], error: err?.details || err?.message || 'no answer' });
              resolve({ nodeId: n.nodeId, address: n.address, files: res.files.map((f) => ({ name: f.name, bytes: Number(f.bytes) })) });
            });
          }),
      ),
    );
    let headBytes = 0;
    try {
      headBytes = statSync(this.o.headLogFile).size;
    } catch {
      // nothing written yet
    }
    return { head: { name: 'head', bytes: headBytes }, nodes, jobs: this.o.jobs.list().map((j) => ({ jobId: j.jobId, status: j.status })) };
  }

  /** The tail of `source`; throws UnknownNodeError, AmbiguousNodeError or LogNotFoundError. */
  async open(source: LogSource, tail: number, follow: boolean): Promise<OpenedLog> {
    if (source.kind === 'head') return this.#openHead(tail);
    if (source.kind === 'node') {
      const node = this.#liveNode(source.node);
      return this.#openNodes([node], { name: source.file, tail, follow }, false);
    }
    const nodes = this.o.nodes.alive();
    const filter = source.kind === 'task' ? { taskId: source.taskId } : { actorId: source.actorId };
    const opened = await this.#openNodes(nodes, { name: 'tasks', tail, follow, ...filter }, true);
    if (!follow && opened.lines.length === 0) {
      const what = source.kind === 'task' ? `task ${source.taskId}` : `actor ${source.actorId}`;
      throw new LogNotFoundError(
        what,
        `no output of ${what} on the ${nodes.length} live node(s): check the id (a task's id is its result's ObjectRef id; \`convoy logs\` lists the nodes), ` +
          'or it printed nothing, or ran on a node that is gone (its log stays on that machine); --follow waits for lines',
      );
    }
    return opened;
  }

  #liveNode(query: string): NodeRecord {
    const match = this.o.nodes.find(query);
    if (match.kind === 'none') throw new UnknownNodeError(query);
    if (match.kind === 'many') throw new AmbiguousNodeError(query, match.nodes.map((n) => n.nodeId));
    const node = match.node;
    if (!node.alive) {
      throw new LogNotFoundError(
        `node ${node.nodeId}`,
        `node ${node.nodeId} is dead (${node.deadReason ?? 'no reason known'}): the head cannot read its logs any more; they stay on its machine ` +
          '(worker-<pid>.log and worker-<pid>.tasks.log in the worker\'s log folder, $CONVOY_HOME/logs by default); `convoy logs` lists the live nodes',
      );
    }
    return node;
  }

  async #openHead(tail: number): Promise<OpenedLog> {
    const file = this.o.headLogFile;
    const t = await tailLines(file, tail);
    return {
      lines: t.lines,
      truncated: t.truncated,
      follow: (onLines) => {
        const f = new LineFollower(file, t.end, onLines).start();
        return () => f.close();
      },
    };
  }

  /**
   * Opens ReadLog on each node and waits for each one's tail: the whole stream without follow, up to its
   * `caughtUp` message with it. A node that fails is left out of a task's lines but fails a node's read. A
   * follow of a task or actor (`merge`) also reads the nodes that register while it runs (an actor restarted
   * on a new node, a task retried there), from their start.
   */
  async #openNodes(nodes: NodeRecord[], request: NodeLogRequest, merge: boolean): Promise<OpenedLog> {
    const sources = await Promise.all(nodes.map((n) => this.#openSource(n, request, merge)));
    const live = sources.filter((s): s is NodeSource => s !== undefined);
    const lines = merge ? byTime(live.map((s) => s.tail)).slice(-request.tail) : (live[0]?.tail ?? []);
    return {
      lines,
      truncated: live.some((s) => s.truncated),
      follow: (onLines, onEnd) => {
        const read = new Map(nodes.map((n) => [n.nodeId, n.address]));
        let open = 0;
        let stopped = false;
        const ended = () => {
          if (--open === 0 && !stopped && !merge) onEnd();
        };
        const attach = (s: NodeSource) => {
          if (s.ended) return;
          open++;
          s.live = onLines;
          s.onEnd = ended;
        };
        live.forEach(attach);
        // A node's read ends when the node does; a task's or actor's follow waits for nodes to come.
        if (open === 0 && !merge) queueMicrotask(onEnd);
        const off = merge
          ? this.o.nodeUp?.((nodeId) => {
              const node = this.o.nodes.alive().find((n) => n.nodeId === nodeId);
              if (!node || stopped || read.get(nodeId) === node.address) return;
              read.set(nodeId, node.address);
              void this.#openSource(node, request, true).then((s) => {
                if (!s) return;
                if (stopped) return void s.call.cancel();
                live.push(s);
                if (s.tail.length) onLines(s.tail);
                attach(s);
              });
            })
          : undefined;
        return () => {
          stopped = true;
          off?.();
          for (const s of live) {
            s.onEnd = undefined;
            s.call.cancel();
            s.client.close();
          }
        };
      },
    };
  }

  #openSource(n: NodeRecord, request: NodeLogRequest, merge: boolean): Promise<NodeSource | undefined> {
    return new Promise<NodeSource | undefined>((resolve, reject) => {
      const client = this.#client(n);
      const call = client.ReadLog(request, request.follow ? {} : { deadline: Date.now() + NODE_ANSWER_MS });
      const s: NodeSource = { tail: [], truncated: false, ended: false, call, client };
      let caughtUp = false;
      // A follow has no deadline; its tail must still come within one, or the answer would hang unstarted.
      const slow = request.follow ? setTimeout(() => call.cancel(), NODE_ANSWER_MS) : undefined;
      const finish = () => {
        clearTimeout(slow);
        if (s.ended) return;
        s.ended = true;
        client.close();
        s.onEnd?.();
      };
      call.on('data', (m: LogLines__Output) => {
        if (caughtUp) return void s.live?.(m.lines);
        s.tail.push(...m.lines);
        s.truncated ||= m.truncated;
        if (m.caughtUp) {
          caughtUp = true;
          clearTimeout(slow);
          resolve(s);
        }
      });
      call.on('end', () => {
        finish();
        if (!caughtUp) resolve(s);
      });
      call.on('error', (err: grpc.ServiceError) => {
        finish();
        if (caughtUp) return;
        if (merge) return resolve(undefined);
        reject(
          err.code === grpc.status.INVALID_ARGUMENT
            ? new TypeError(err.details)
            : new LogNotFoundError(`node ${n.nodeId}`, `node ${n.nodeId} (${n.address}) did not send its ${request.name} log: ${err.details || err.message}`),
        );
      });
    });
  }

  #client(n: NodeRecord): WorkerServiceClient {
    const { worker } = loadProtos();
    return new worker.convoy.v1.WorkerService(n.address, channelCredentials(this.o.tls), clientOptions(this.o.token)) as unknown as WorkerServiceClient;
  }
}

/** Lines of several nodes' task output in the order they were printed (each node's are in order already). */
function byTime(perNode: string[][]): string[] {
  if (perNode.length <= 1) return perNode[0] ?? [];
  const stamped = perNode.flatMap((lines, node) => lines.map((line, i) => ({ line, node, i, time: timeOf(line) })));
  stamped.sort((a, b) => a.time - b.time || a.node - b.node || a.i - b.i);
  return stamped.map((s) => s.line);
}

function timeOf(line: string): number {
  const m = /^\{"time":(\d+)/.exec(line);
  return m ? Number(m[1]) : 0;
}
