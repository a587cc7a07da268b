/**
 * An invented road network for a city, used when no OSM extract is given.
 *
 * Segments are scattered over a disc around the city centre with a class mix typical of a city's drivable
 * network by length (many residential streets, few motorway pieces), and speed limits drawn around the
 * profile's free-flow speeds. Deterministic for (seed, city, count).
 */
import type { CityProfile } from '../../traffic/cities.ts';
import type { RoadClass } from '../../traffic/road-classes.ts';
import type { RoadNetwork, RoadSegment } from '../../traffic/road-network.ts';
import { hashString, mix, unit } from './hash.ts';

/** Share of segments per class, and their typical length in metres. */
const CLASS_MIX: ReadonlyArray<{ roadClass: RoadClass; share: number; lengthM: number }> = [
  { roadClass: 'motorway', share: 0.05, lengthM: 1200 },
  { roadClass: 'trunk', share: 0.05, lengthM: 900 },
  { roadClass: 'primary', share: 0.12, lengthM: 500 },
  { roadClass: 'secondary', share: 0.15, lengthM: 400 },
  { roadClass: 'tertiary', share: 0.18, lengthM: 300 },
  { roadClass: 'unclassified', share: 0.05, lengthM: 250 },
  { roadClass: 'residential', share: 0.35, lengthM: 180 },
  { roadClass: 'living_street', share: 0.02, lengthM: 120 },
  { roadClass: 'service', share: 0.03, lengthM: 100 },
];

/** @default 2000 segments: enough spatial variety, small enough to keep per-shard setup under a millisecond. */
export const DEFAULT_SYNTHETIC_SEGMENTS = 2000;

export function syntheticNetwork(profile: CityProfile, seed: number, count = DEFAULT_SYNTHETIC_SEGMENTS): RoadNetwork {
  if (!Number.isInteger(count) || count <= 0) {
    throw new RangeError(`synthetic network size must be a positive integer, got ${count}`);
  }
  const base = mix(seed | 0, hashString(profile.key));
  const segments: RoadSegment[] = [];
  const segmentsByClass: Partial<Record<RoadClass, number>> = {};
  const kmPerDegLat = 110.574;
  const kmPerDegLon = 111.32 * Math.cos((profile.center.lat * Math.PI) / 180);
  for (let i = 0; i < count; i++) {
    const h = mix(base, i);
    let pick = unit(mix(h, 1));
    let cls = CLASS_MIX[CLASS_MIX.length - 1]!;
    for (const c of CLASS_MIX) {
      if (pick < c.share) {
        cls = c;
        break;
      }
      pick -= c.share;
    }
    // Uniform over the disc: radius ∝ √u.
    const r = profile.radiusKm * Math.sqrt(unit(mix(h, 2)));
    const theta = 2 * Math.PI * unit(mix(h, 3));
    const lat = profile.center.lat + (r * Math.sin(theta)) / kmPerDegLat;
    const lon = profile.center.lon + (r * Math.cos(theta)) / kmPerDegLon;
    const limit = Math.round((profile.freeFlowKmh[cls.roadClass] * (1.05 + 0.15 * unit(mix(h, 4)))) / 5) * 5;
    segments.push({
      id: `syn:${profile.key}:${i}`,
      lat,
      lon,
      roadClass: cls.roadClass,
      maxspeedKmh: limit,
      maxspeedSource: 'tag',
      lengthM: Math.round(cls.lengthM * (0.4 + 1.2 * unit(mix(h, 5)))),
    });
    segmentsByClass[cls.roadClass] = (segmentsByClass[cls.roadClass] ?? 0) + 1;
  }
  return {
    origin: `synthetic:${profile.key}`,
    segments,
    stats: {
      nodes: 0,
      ways: 0,
      highwayWays: 0,
      drivableWays: 0,
      maxspeedTagged: 0,
      waysWithMaxspeed: 0,
      waysWithMissingNodes: 0,
      segments: count,
      segmentsByClass,
    },
  };
}
