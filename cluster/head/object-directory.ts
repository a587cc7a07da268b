/**
 * Where stored objects live. Owners track their own objects; the head learns about objects that must be
 * found by others (stored results, puts) so a node or client can locate a copy, and drops a dead node's
 * copies so lineage reconstruction can kick in. The entries are the control store's `objects` table.
 */
import type { Table } from './control/control-store.ts';
import type { NodeRecord, ObjectRecord } from './control/records.ts';

export class ObjectDirectory {
  /** The sum of the entries' sizes, kept as they come and go: status asks for it every poll. */
  #bytes = 0;

  constructor(private readonly table: Table<ObjectRecord>) {
    for (const e of table.list()) this.#bytes += e.size;
  }

  add(objectId: string, nodeId: string, size: number, owner: string): void {
    const known = this.table.get(objectId);
    const e = known ?? { objectId, nodes: [], size, owner };
    if (!known) this.#bytes += size;
    if (!e.nodes.includes(nodeId)) e.nodes.push(nodeId);
    if (owner) e.owner = owner;
    this.table.put(objectId, e);
  }

  remove(objectId: string, nodeId: string): void {
    const e = this.table.get(objectId);
    if (!e) return;
    e.nodes = e.nodes.filter((n) => n !== nodeId);
    if (e.nodes.length === 0) this.#drop(e);
    else this.table.put(objectId, e);
  }

  nodeDead(nodeId: string): void {
    for (const e of this.table.list()) {
      if (!e.nodes.includes(nodeId)) continue;
      e.nodes = e.nodes.filter((n) => n !== nodeId);
      if (e.nodes.length === 0) this.#drop(e);
      else this.table.put(e.objectId, e);
    }
  }

  /**
   * A node's full listing (it sends one when it registers again, after a head restart or a reconnect): its
   * copies are exactly these, so entries it no longer holds lose it, and the ones it gained meanwhile are added.
   */
  resync(nodeId: string, listing: readonly { objectId: string; size: number; owner: string }[]): void {
    const held = new Set(listing.map((o) => o.objectId));
    for (const e of this.table.list()) {
      if (held.has(e.objectId) || !e.nodes.includes(nodeId)) continue;
      e.nodes = e.nodes.filter((n) => n !== nodeId);
      if (e.nodes.length === 0) this.#drop(e);
      else this.table.put(e.objectId, e);
    }
    for (const o of listing) this.add(o.objectId, nodeId, o.size, o.owner);
  }

  locate(ids: readonly string[], node: (id: string) => NodeRecord | undefined) {
    const out = [];
    for (const id of ids) {
      const e = this.table.get(id);
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
      const e = this.table.get(id);
      if (!e) continue;
      this.#drop(e);
      for (const node of e.nodes) {
        let list = byNode.get(node);
        if (!list) byNode.set(node, (list = []));
        list.push(id);
      }
    }
    return byNode;
  }

  ownedBy(owner: string): string[] {
    return this.table
      .list()
      .filter((e) => e.owner === owner)
      .map((e) => e.objectId);
  }

  entries(): { objectId: string; size: number; owner: string; nodes: string[] }[] {
    return this.table.list().map((e) => ({ objectId: e.objectId, size: e.size, owner: e.owner, nodes: [...e.nodes] }));
  }

  stats(): { count: number; bytes: number } {
    return { count: this.table.size(), bytes: this.#bytes };
  }

  #drop(e: ObjectRecord): void {
    if (this.table.delete(e.objectId)) this.#bytes -= e.size;
  }
}
