/**
 * The sensor graph of an OSM road network: its segments (`osm:<way>:<piece>`, the ids the OSM-backed sources
 * write as `segment_id`) are neighbours when they share an OSM node, at a junction or where one piece of a way
 * ends and the next begins. Edges go both ways with weight 1, no self-loops.
 *
 * The network builder cuts ways into pieces and keeps no node ids, so `TopologyRecorder` watches it: it sees
 * the same nodes and ways, and places each node of a way on the piece that covers the node's distance along
 * the way, with the builder's own cut rule (`count = ceil(length / maxSegmentM)` equal pieces).
 */
import type { NetworkBuildOptions } from '../sources/osm/network-builder.ts';
import { RoadNetworkBuilder } from '../sources/osm/network-builder.ts';
import { readOsmInto } from '../sources/osm/load.ts';
import { haversineM } from '../traffic/road-network.ts';
import { toSparse, type SensorGraph } from './sensor-graph.ts';

class TopologyRecorder extends RoadNetworkBuilder {
  readonly #maxSegmentM: number;
  readonly #coords = new Map<number, [number, number]>();
  /** For each OSM node on a kept way, the segments (indices) it lies on. */
  readonly nodeSegments = new Map<number, number[]>();
  /** Consecutive pieces of one way, which meet at a cut point rather than a node. */
  readonly chained: [number, number][] = [];
  #segments = 0;

  constructor(options: NetworkBuildOptions) {
    super(options);
    this.#maxSegmentM = options.maxSegmentM ?? 500;
  }

  override addNode(id: number, lat: number, lon: number): void {
    super.addNode(id, lat, lon);
    this.#coords.set(id, [lat, lon]);
  }

  override addWay(id: number, refs: readonly number[], tags: Readonly<Record<string, string>>): void {
    super.addWay(id, refs, tags);
    const made = this.build('').segments.length;
    if (made === this.#segments) return;
    // The builder's runs: consecutive nodes present in the extract, at least two of them.
    const runs: number[][] = [];
    let run: number[] = [];
    for (const ref of refs) {
      if (this.#coords.has(ref)) run.push(ref);
      else {
        if (run.length >= 2) runs.push(run);
        run = [];
      }
    }
    if (run.length >= 2) runs.push(run);
    let base = this.#segments;
    for (const nodes of runs) {
      const at = [0];
      for (let k = 1; k < nodes.length; k++) {
        const [a, b] = [this.#coords.get(nodes[k - 1]!)!, this.#coords.get(nodes[k]!)!];
        at.push(at[k - 1]! + haversineM(a[0], a[1], b[0], b[1]));
      }
      const total = at.at(-1)!;
      const count = Math.max(1, Math.ceil(total / this.#maxSegmentM));
      const pieceLen = total / count;
      nodes.forEach((node, k) => {
        const piece = pieceLen > 0 ? Math.min(count - 1, Math.floor(at[k]! / pieceLen)) : 0;
        const list = this.nodeSegments.get(node) ?? [];
        list.push(base + piece);
        this.nodeSegments.set(node, list);
      });
      for (let p = 0; p + 1 < count; p++) this.chained.push([base + p, base + p + 1]);
      base += count;
    }
    if (base !== made) throw new Error(`internal: the OSM graph placed way ${id}'s nodes on ${base - this.#segments} pieces, the network builder made ${made - this.#segments}`);
    this.#segments = made;
  }
}

export async function osmSegmentGraph(path: string, city: string, options: NetworkBuildOptions = {}): Promise<SensorGraph> {
  const recorder = new TopologyRecorder(options);
  await readOsmInto(path, recorder);
  const ids = recorder.build(path).segments.map((s) => s.id);
  const from: number[] = [];
  const to: number[] = [];
  const link = (a: number, b: number) => {
    if (a === b) return;
    from.push(a, b);
    to.push(b, a);
  };
  for (const [a, b] of recorder.chained) link(a, b);
  for (const segments of recorder.nodeSegments.values()) {
    const distinct = [...new Set(segments)];
    for (let x = 0; x < distinct.length; x++) for (let y = x + 1; y < distinct.length; y++) link(distinct[x]!, distinct[y]!);
  }
  const adjacency = toSparse({ ids, from, to, value: from.map(() => 1) });
  return { city, ids, adjacency, origin: { kind: 'osm', file: path.split('/').at(-1), kernel: 'none' } };
}
