/**
 * Road segments: the unit every sample is a reading of.
 *
 * The OSM loader splits highway ways into segments, the synthetic source invents a network when no OSM
 * extract is given, and provider clients name the segment each reading came from.
 */
import type { RoadClass } from './road-classes.ts';

export interface RoadSegment {
  /** Stable id, the `segment_id` column: `osm:<way id>:<piece>`, `syn:<city>:<n>`, `tomtom:…`. */
  id: string;
  /** WGS84 degrees of the segment's midpoint. */
  lat: number;
  lon: number;
  roadClass: RoadClass;
  /** Posted or assumed speed limit, km/h. */
  maxspeedKmh: number;
  /** Where `maxspeedKmh` came from: the way's own tag, or the per-class default. */
  maxspeedSource: 'tag' | 'default';
  /** Length along the road, metres. */
  lengthM: number;
}

export interface RoadNetwork {
  /** Where the network came from: a file path, an Overpass query, or `synthetic:<city>`. */
  origin: string;
  segments: RoadSegment[];
  stats: RoadNetworkStats;
}

export interface RoadNetworkStats {
  nodes: number;
  ways: number;
  /** Ways with any `highway=*` tag (footways and cycleways included): the figure OSM tools report. */
  highwayWays: number;
  /** Highway ways cars use, the ones turned into segments. */
  drivableWays: number;
  /** Highway ways (any kind) carrying a `maxspeed` tag, parsable or not: the figure OSM tools report. */
  maxspeedTagged: number;
  /** Drivable ways whose speed-limit tags parsed to a number; the rest use the per-class default. */
  waysWithMaxspeed: number;
  /** Drivable ways with nodes missing from the extract (clipped at its border); their present runs are kept. */
  waysWithMissingNodes: number;
  segments: number;
  segmentsByClass: Partial<Record<RoadClass, number>>;
}

const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;

/** Great-circle distance in metres (haversine). */
export function haversineM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}
