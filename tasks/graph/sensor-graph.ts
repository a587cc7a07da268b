/**
 * A sensor graph: the ids of a city's sensors (the lake's `segment_id`s) and a sparse weighted adjacency
 * between them, for forecasters that look at neighbours (graph convolution as in DCRNN and T-GCN, attention
 * masks). The adjacency is stored as given or as the kernel made it, unnormalised: each model normalises it
 * its own way (random-walk, symmetric, Laplacian).
 *
 * Distances become weights by DCRNN's thresholded Gaussian kernel (Li et al., 2018, eq. 10; `gen_adj_mx.py`):
 * `w_ij = exp(-(d_ij / σ)²)`, σ = the standard deviation of all given distances (population, as numpy's
 * `std()`), and weights below the threshold κ (0.1 in DCRNN) are dropped. A distance of 0 from a sensor to
 * itself is a self-loop of weight 1, as in DCRNN's matrices.
 */
import { registerTrafficErrors, TrafficError } from '../traffic/errors.ts';

/** Where a graph came from, kept with it so that a model can say what it was trained on. */
export interface GraphOrigin {
  kind: 'adjacency' | 'distance' | 'edges' | 'osm';
  /** The input file's base name. */
  file?: string;
  kernel: 'none' | 'gaussian';
  /** Gaussian kernel: σ used and the threshold κ below which weights were dropped. */
  sigma?: number;
  threshold?: number;
}

/** Row-compressed adjacency: the edges out of sensor `i` are `col[rowPtr[i]..rowPtr[i+1]]` with `weight` alike. */
export interface SparseAdjacency {
  rowPtr: Int32Array;
  col: Int32Array;
  weight: Float32Array;
}

export interface SensorGraph {
  city: string;
  /** Sensor ids in index order: index i of the adjacency is `ids[i]`. */
  ids: readonly string[];
  adjacency: SparseAdjacency;
  origin: GraphOrigin;
}

/** An edge list as read from a file: indices into `ids`, with the file's value (a weight or a distance). */
export interface EdgeList {
  ids: readonly string[];
  from: number[];
  to: number[];
  value: number[];
}

export class SensorGraphError extends TrafficError {
  override readonly name = 'SensorGraphError';
}

export interface KernelOptions {
  /** Weights below this are dropped. @default 0.1 (DCRNN's κ) */
  threshold?: number;
  /** @default the standard deviation of the given distances */
  sigma?: number;
}

/** DCRNN's thresholded Gaussian kernel over distances (see the module doc). */
export function gaussianKernel(edges: EdgeList, options: KernelOptions = {}): { edges: EdgeList; sigma: number; threshold: number } {
  const threshold = options.threshold ?? 0.1;
  const d = edges.value;
  if (d.some((v) => !(v >= 0))) throw new SensorGraphError('a distance is negative or not a number; distances must be ≥ 0');
  let sigma = options.sigma;
  if (sigma === undefined) {
    const mean = d.reduce((a, b) => a + b, 0) / Math.max(1, d.length);
    sigma = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, d.length));
  }
  if (!(sigma > 0)) throw new SensorGraphError(`the Gaussian kernel needs σ > 0, and the distances give σ = ${sigma}; give --sigma`);
  const out: EdgeList = { ids: edges.ids, from: [], to: [], value: [] };
  for (let k = 0; k < d.length; k++) {
    const w = Math.exp(-((d[k]! / sigma) ** 2));
    if (w < threshold) continue;
    out.from.push(edges.from[k]!);
    out.to.push(edges.to[k]!);
    out.value.push(w);
  }
  return { edges: out, sigma, threshold };
}

/** Drops weights at or below zero and below `threshold`, for adjacency given as weights. */
export function thresholdWeights(edges: EdgeList, threshold = 0): EdgeList {
  const out: EdgeList = { ids: edges.ids, from: [], to: [], value: [] };
  for (let k = 0; k < edges.value.length; k++) {
    const w = edges.value[k]!;
    if (!(w > 0) || w < threshold) continue;
    out.from.push(edges.from[k]!);
    out.to.push(edges.to[k]!);
    out.value.push(w);
  }
  return out;
}

/** Builds the row-compressed adjacency; of duplicate edges the last one wins, as an assignment into a matrix would. */
export function toSparse(edges: EdgeList): SparseAdjacency {
  const n = edges.ids.length;
  const last = new Map<number, number>();
  for (let k = 0; k < edges.from.length; k++) last.set(edges.from[k]! * n + edges.to[k]!, k);
  const keys = [...last.keys()].sort((a, b) => a - b);
  const rowPtr = new Int32Array(n + 1);
  const col = new Int32Array(keys.length);
  const weight = new Float32Array(keys.length);
  keys.forEach((key, e) => {
    const i = Math.floor(key / n);
    rowPtr[i + 1]!++;
    col[e] = key - i * n;
    weight[e] = edges.value[last.get(key)!]!;
  });
  for (let i = 0; i < n; i++) rowPtr[i + 1]! += rowPtr[i]!;
  return { rowPtr, col, weight };
}

/** The edges of a sparse adjacency as `[from, to, weight]` index triples, in row order. */
export function* edgesOf(a: SparseAdjacency): Generator<[number, number, number]> {
  for (let i = 0; i + 1 < a.rowPtr.length; i++) {
    for (let e = a.rowPtr[i]!; e < a.rowPtr[i + 1]!; e++) yield [i, a.col[e]!, a.weight[e]!];
  }
}

/**
 * Each sensor's neighbours by id, edges taken both ways (an edge i→j makes each a neighbour of the other,
 * at the larger weight where both directions are given), self-loops left out: what a model that reads its
 * neighbours' readings beside its own needs. A diffusion model would keep the two directions apart.
 */
export function neighboursOf(graph: SensorGraph): Map<string, { sensor: string; weight: number }[]> {
  const weights = new Map<string, Map<string, number>>();
  const link = (a: string, b: string, w: number) => {
    const row = weights.get(a) ?? new Map<string, number>();
    row.set(b, Math.max(row.get(b) ?? 0, w));
    weights.set(a, row);
  };
  for (const [i, j, w] of edgesOf(graph.adjacency)) {
    if (i === j || !(w > 0)) continue;
    link(graph.ids[i]!, graph.ids[j]!, w);
    link(graph.ids[j]!, graph.ids[i]!, w);
  }
  return new Map([...weights].map(([id, row]) => [id, [...row].map(([sensor, weight]) => ({ sensor, weight }))]));
}

registerTrafficErrors(SensorGraphError);
