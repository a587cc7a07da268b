/**
 * Turns OSM nodes and highway ways into road segments, whatever the file format they were read from.
 *
 * Nodes arrive before ways in every extract we read (PBF and XML from osmium, osmosis and Overpass all sort
 * them that way), so coordinates are kept in a compact id → index map plus one Float64Array, and each way
 * is cut into pieces of at most `maxSegmentM` as it arrives. Long roads become several segments because a
 * traffic reading describes a stretch of a few hundred metres, not a 20 km motorway.
 */
import { DEFAULT_MAXSPEED_KMH, type RoadClass, roadClassOfHighway } from '../../traffic/road-classes.ts';
import { haversineM, type RoadNetwork, type RoadNetworkStats, type RoadSegment } from '../../traffic/road-network.ts';
import { maxspeedFromTags } from './maxspeed.ts';

export interface NetworkBuildOptions {
  /**
   * Longest segment, metres; longer ways are cut into pieces.
   * @default 500
   */
  maxSegmentM?: number;
  /**
   * Speed limits for ways without a usable `maxspeed`, by class; merged over `DEFAULT_MAXSPEED_KMH`.
   * @default DEFAULT_MAXSPEED_KMH
   */
  defaultMaxspeedKmh?: Partial<Record<RoadClass, number>>;
  /** Keep only these classes. @default every drivable class */
  roadClasses?: readonly RoadClass[];
}

export class RoadNetworkBuilder {
  readonly #maxSegmentM: number;
  readonly #defaults: Record<RoadClass, number>;
  readonly #keep: ReadonlySet<RoadClass> | undefined;
  readonly #nodeIndex = new Map<number, number>();
  #coords = new Float64Array(1 << 16);
  readonly #segments: RoadSegment[] = [];
  readonly #stats: RoadNetworkStats = {
    nodes: 0,
    ways: 0,
    highwayWays: 0,
    drivableWays: 0,
    maxspeedTagged: 0,
    waysWithMaxspeed: 0,
    waysWithMissingNodes: 0,
    segments: 0,
    segmentsByClass: {},
  };

  constructor(options: NetworkBuildOptions = {}) {
    this.#maxSegmentM = options.maxSegmentM ?? 500;
    if (!(this.#maxSegmentM > 0)) throw new RangeError(`maxSegmentM must be positive, got ${options.maxSegmentM}`);
    this.#defaults = { ...DEFAULT_MAXSPEED_KMH, ...options.defaultMaxspeedKmh };
    this.#keep = options.roadClasses ? new Set(options.roadClasses) : undefined;
  }

  addNode(id: number, lat: number, lon: number): void {
    const i = this.#stats.nodes++;
    if (2 * i + 2 > this.#coords.length) {
      const next = new Float64Array(this.#coords.length * 2);
      next.set(this.#coords);
      this.#coords = next;
    }
    this.#coords[2 * i] = lat;
    this.#coords[2 * i + 1] = lon;
    this.#nodeIndex.set(id, i);
  }

  addWay(id: number, refs: readonly number[], tags: Readonly<Record<string, string>>): void {
    this.#stats.ways++;
    const highway = tags['highway'];
    if (highway === undefined) return;
    this.#stats.highwayWays++;
    if (tags['maxspeed'] !== undefined) this.#stats.maxspeedTagged++;
    const roadClass = roadClassOfHighway(highway);
    if (!roadClass || (this.#keep && !this.#keep.has(roadClass))) return;
    if (tags['area'] === 'yes' || refs.length < 2) return;
    // Clipped extracts cut ways at the border: keep each run of consecutive nodes that are present.
    const runs: number[][] = [];
    let run: number[] = [];
    let missing = false;
    for (const ref of refs) {
      const k = this.#nodeIndex.get(ref);
      if (k === undefined) {
        missing = true;
        if (run.length >= 4) runs.push(run);
        run = [];
        continue;
      }
      run.push(this.#coords[2 * k]!, this.#coords[2 * k + 1]!);
    }
    if (run.length >= 4) runs.push(run);
    if (missing) this.#stats.waysWithMissingNodes++;
    if (runs.length === 0) return;
    this.#stats.drivableWays++;
    const tagged = maxspeedFromTags(tags, roadClass);
    if (tagged !== undefined) this.#stats.waysWithMaxspeed++;
    const maxspeedKmh = tagged ?? this.#defaults[roadClass];
    const maxspeedSource = tagged !== undefined ? 'tag' : 'default';
    let index = 0;
    for (const points of runs) {
      for (const piece of cutLine(points, this.#maxSegmentM)) {
        this.#segments.push({
          id: `osm:${id}:${index++}`,
          lat: piece.midLat,
          lon: piece.midLon,
          roadClass,
          maxspeedKmh,
          maxspeedSource,
          lengthM: piece.lengthM,
        });
        this.#stats.segmentsByClass[roadClass] = (this.#stats.segmentsByClass[roadClass] ?? 0) + 1;
        this.#stats.segments++;
      }
    }
  }

  build(origin: string): RoadNetwork {
    return { origin, segments: this.#segments, stats: { ...this.#stats, segmentsByClass: { ...this.#stats.segmentsByClass } } };
  }
}

interface Piece {
  lengthM: number;
  midLat: number;
  midLon: number;
}

/** Cuts a polyline (flat lat,lon pairs) into pieces of at most `maxM`, each with its length and midpoint. */
export function cutLine(points: readonly number[], maxM: number): Piece[] {
  const n = points.length / 2;
  const legs: number[] = [];
  let total = 0;
  for (let i = 1; i < n; i++) {
    const d = haversineM(points[2 * i - 2]!, points[2 * i - 1]!, points[2 * i]!, points[2 * i + 1]!);
    legs.push(d);
    total += d;
  }
  const count = Math.max(1, Math.ceil(total / maxM));
  const pieceLen = total / count;
  const pieces: Piece[] = [];
  for (let p = 0; p < count; p++) {
    const [midLat, midLon] = pointAt(points, legs, pieceLen * (p + 0.5));
    pieces.push({ lengthM: Math.round(pieceLen * 10) / 10, midLat, midLon });
  }
  return pieces;
}

/** The point `distance` metres along the polyline, interpolated linearly within its leg. */
function pointAt(points: readonly number[], legs: readonly number[], distance: number): [number, number] {
  let acc = 0;
  for (let i = 0; i < legs.length; i++) {
    const leg = legs[i]!;
    if (acc + leg >= distance || i === legs.length - 1) {
      const f = leg > 0 ? Math.min(1, Math.max(0, (distance - acc) / leg)) : 0;
      return [points[2 * i]! + f * (points[2 * i + 2]! - points[2 * i]!), points[2 * i + 1]! + f * (points[2 * i + 3]! - points[2 * i + 1]!)];
    }
    acc += leg;
  }
  return [points[0]!, points[1]!];
}
