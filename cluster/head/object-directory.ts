/**
 * Where stored objects live. Owners track their own objects; the head learns about objects that must be
 * found by others (stored results, puts) so a node or client can locate a copy, and drops a dead node's
 * copies so lineage reconstruction can kick in.
 */
import type { NodeRecord } from './node-table.ts';

interface Entry {
  readonly nodes: Set<string>;
  size: number;
  owner: string;
}

export class ObjectDirectory {
  readonly #objects = new Map<string, Entry>();

  add(objectId: string, nodeId: string, size: number, owner: string): void {
    let e = this.#objects.get(objectId);
    if (!e) this.#objects.set(objectId, (e = { nodes: new Set(), size, owner }));
    e.nodes.add(nodeId);
    if (owner) e.owner = owner;
  }

  remove(objectId: string, nodeId: string): void {
    const e = this.#objects.get(objectId);
    if (!e) return;
    e.nodes.delete(nodeId);
    if (e.nodes.size === 0) this.#objects.delete(objectId);
  }

  nodeDead(nodeId: string): void {
    for (const [id, e] of this.#objects) {
      e.nodes.delete(nodeId);
      if (e.nodes.size === 0) this.#objects.delete(id);
    }
  }

  locate(ids: readonly string[], node: (id: string) => NodeRecord | undefined) {
    const out = [];
    for (const id of ids) {
      const e = this.#objects.get(id);
      if (!e) continue;
      for (const nodeId of e.nodes) {
        const n = node(nodeId);
        if (n?.alive) out.push({ objectId: id, nodeId, transferAddress: n.address, size: e.size });
      }
    }
    return out;
  }

  /** Drops objects from the directory and returns, per node, which of them it held (to tell those nodes). */
  free(ids: readonly string[]): Map<string, string[]> {
    const byNode = new Map<string, string[]>();
    for (const id of ids) {
      const e = this.#objects.get(id);
      if (!e) continue;
      this.#objects.delete(id);
      for (const node of e.nodes) {
        let list = byNode.get(node);
        if (!list) byNode.set(node, (list = []));
        list.push(id);
      }
    }
    return byNode;
  }

  ownedBy(owner: string): string[] {
    return [...this.#objects].filter(([, e]) => e.owner === owner).map(([id]) => id);
  }

  entries(): { objectId: string; size: number; owner: string; nodes: string[] }[] {
    return [...this.#objects].map(([objectId, e]) => ({ objectId, size: e.size, owner: e.owner, nodes: [...e.nodes] }));
  }

  stats(): { count: number; bytes: number } {
    let bytes = 0;
    for (const e of this.#objects.values()) bytes += e.size;
    return { count: this.#objects.size, bytes };
  }
}
