/**
 * Network namespaces for tests: real hosts on one machine. Each lab has its own bridge namespace holding a
 * bridge, and each node its own namespace whose eth0 is one end of a veth pair, the other end on the bridge.
 * Addresses are on 10.213.0.0/24 inside the lab only: the bridge has no address and no namespace routes out,
 * so traffic stays between the lab's nodes (two labs at once never see each other's packets). Names carry a
 * per-run id; teardown kills every process the lab started and deletes its namespaces (which deletes the
 * veths and the bridge), on failure too, and again on process exit for a run that is killed mid-test.
 *
 * Faults: `degrade` shapes a node's link both ways with tc netem (delay + loss) where the kernel has it, else
 * with tbf (a slow link with a short queue: queueing delay and drops under bursts), and says which it used;
 * `setLink` takes a node's bridge port down (a full partition: packets vanish, no resets) and back up.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';

const SUBNET = '10.213.0';

export interface NetNode {
  readonly name: string;
  /** The namespace, for `ip netns exec`. */
  readonly ns: string;
  readonly ip: string;
  /** Its end of the veth pair, inside its namespace. */
  readonly link: 'eth0';
  /** The bridge's end, inside the lab's bridge namespace. */
  readonly port: string;
}

export type LinkShaping = 'netem' | 'tbf';

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function tryRun(cmd: string, args: string[]): string | undefined {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    return undefined;
  } catch (err) {
    const e = err as Error & { stderr?: Buffer };
    return (e.stderr?.toString().trim() || e.message).split('\n')[0];
  }
}

/** Why network namespaces cannot be used here, or undefined when they can (root, iproute2, `ip netns add` works). */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network namespaces need root (ip netns add); run as root or in a privileged container';
  const probe = `convoy-probe-${process.pid}-${randomBytes(2).toString('hex')}`;
  const failed = tryRun('ip', ['netns', 'add', probe]);
  if (failed) return `ip netns add failed: ${failed}`;
  tryRun('ip', ['netns', 'del', probe]);
  return undefined;
}

export class NetnsLab {
  readonly id = `${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
  readonly bridgeNs = `convoy-${this.id}-br`;
  readonly #namespaces: string[] = [];
  readonly #nodes: NetNode[] = [];
  readonly #children = new Set<ChildProcess>();
  readonly #onExit = () => this.#teardownSync();
  #shaping: LinkShaping | undefined;

  constructor() {
    this.#addNs(this.bridgeNs);
    ip(['-n', this.bridgeNs, 'link', 'add', 'br0', 'type', 'bridge']);
    ip(['-n', this.bridgeNs, 'link', 'set', 'br0', 'up']);
    process.once('exit', this.#onExit);
  }

  #addNs(ns: string): void {
    ip(['netns', 'add', ns]);
    this.#namespaces.push(ns);
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  }

  /** A new host on the lab's bridge, with the next address of 10.213.0.0/24. */
  addNode(name: string): NetNode {
    const index = this.#nodes.length + 1;
    if (index > 250) throw new RangeError('a lab holds at most 250 nodes');
    const ns = `convoy-${this.id}-${name}`;
    this.#addNs(ns);
    // Interface names are at most 15 bytes: a short per-lab tag and the node's index.
    const port = `cv${this.id.slice(-4)}p${index}`;
    const inner = `cv${this.id.slice(-4)}n${index}`;
    ip(['link', 'add', port, 'type', 'veth', 'peer', 'name', inner]);
    ip(['link', 'set', port, 'netns', this.bridgeNs]);
    ip(['link', 'set', inner, 'netns', ns]);
    ip(['-n', ns, 'link', 'set', inner, 'name', 'eth0']);
    ip(['-n', ns, 'addr', 'add', `${SUBNET}.${index}/24`, 'dev', 'eth0']);
    ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
    ip(['-n', this.bridgeNs, 'link', 'set', port, 'master', 'br0']);
    ip(['-n', this.bridgeNs, 'link', 'set', port, 'up']);
    const node: NetNode = { name, ns, ip: `${SUBNET}.${index}`, link: 'eth0', port };
    this.#nodes.push(node);
    return node;
  }

  /** Starts `argv` inside the node's namespace, in its own process group (teardown kills the group). */
  spawn(node: NetNode, argv: readonly string[], env: NodeJS.ProcessEnv): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', node.ns, ...argv], { env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    this.#children.add(child);
    child.once('exit', () => this.#children.delete(child));
    return child;
  }

  /** Which shaping `degrade` uses here: netem where the kernel has sch_netem, else tbf. */
  get shaping(): LinkShaping {
    if (!this.#shaping) {
      const probe = this.#nodes[0];
      if (!probe) throw new Error('add a node before asking how links are shaped');
      const failed = tryRun('ip', ['netns', 'exec', probe.ns, 'tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'netem', 'delay', '1ms']);
      if (!failed) tryRun('ip', ['netns', 'exec', probe.ns, 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root']);
      this.#shaping = failed ? 'tbf' : 'netem';
    }
    return this.#shaping;
  }

  /** Delay and loss on the node's link, both directions (its eth0 and its bridge port). */
  degrade(node: NetNode, opts: { delayMs: number; lossPercent: number }): LinkShaping {
    const shaping = this.shaping;
    // tbf: 2 Mbit/s with a queue of about `delayMs` of traffic; past it packets drop, as on a congested link.
    const qdisc =
      shaping === 'netem'
        ? ['netem', 'delay', `${opts.delayMs}ms`, 'loss', `${opts.lossPercent}%`]
        : ['tbf', 'rate', '2mbit', 'burst', '4kb', 'latency', `${opts.delayMs}ms`];
    for (const [ns, dev] of [[node.ns, 'eth0'], [this.bridgeNs, node.port]] as const) {
      ip(['netns', 'exec', ns, 'tc', 'qdisc', 'replace', 'dev', dev, 'root', ...qdisc]);
    }
    return shaping;
  }

  /** Removes what `degrade` added. */
  restore(node: NetNode): void {
    for (const [ns, dev] of [[node.ns, 'eth0'], [this.bridgeNs, node.port]] as const) tryRun('ip', ['netns', 'exec', ns, 'tc', 'qdisc', 'del', 'dev', dev, 'root']);
  }

  /** Partitions (`false`) or heals (`true`) the node: its bridge port goes down or up. */
  setLink(node: NetNode, up: boolean): void {
    ip(['-n', this.bridgeNs, 'link', 'set', node.port, up ? 'up' : 'down']);
  }

  /** Kills the lab's processes (their whole groups) and deletes its namespaces. Safe to call twice. */
  async teardown(): Promise<void> {
    const exits = [...this.#children].map((c) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r()))));
    this.#killAll();
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 5000))]);
    this.#teardownSync();
    process.removeListener('exit', this.#onExit);
  }

  #killAll(): void {
    for (const c of this.#children) {
      try {
        if (c.pid) process.kill(-c.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  #teardownSync(): void {
    this.#killAll();
    // Deleting a namespace deletes the veth ends in it, and with them their peers and the bridge.
    for (const ns of this.#namespaces.splice(0).reverse()) tryRun('ip', ['netns', 'del', ns]);
  }
}
