/**
 * Turning a city and its road network into provider requests: what a collection job polls each round.
 *
 * TomTom answers for the segment nearest a point, so each segment's midpoint is one request. HERE answers
 * for an area, so the city's disc is tiled into bounding boxes. Mapbox answers along a route, so nearby
 * segments are chained into routes of up to 25 waypoints.
 */
import type { CityProfile } from '../../traffic/cities.ts';
import type { RoadSegment } from '../../traffic/road-network.ts';
import type { HereRequest } from './here.ts';
import type { MapboxRequest } from './mapbox.ts';
import type { TomTomRequest } from './tomtom.ts';

export function tomtomRequestsForSegments(city: CityProfile, segments: readonly RoadSegment[]): TomTomRequest[] {
  return segments.map((s) => ({ city: city.key, timeZone: city.timeZone, lat: s.lat, lon: s.lon }));
}

/**
 * Bounding boxes of `tileDeg` degrees covering the city's radius. @default tileDeg 0.1 (about 11 km north–south),
 * small enough for HERE to answer quickly, large enough for hundreds of flow items each.
 */
export function hereRequestsForCity(city: CityProfile, tileDeg = 0.1): HereRequest[] {
  if (!(tileDeg > 0 && tileDeg <= 1)) throw new RangeError(`tileDeg must be in (0, 1], got ${tileDeg}`);
  const dLat = city.radiusKm / 110.574;
  const dLon = city.radiusKm / (111.32 * Math.cos((city.center.lat * Math.PI) / 180));
  const out: HereRequest[] = [];
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  for (let s = city.center.lat - dLat; s < city.center.lat + dLat; s += tileDeg) {
    for (let w = city.center.lon - dLon; w < city.center.lon + dLon; w += tileDeg) {
      const n = Math.min(s + tileDeg, city.center.lat + dLat);
      const e = Math.min(w + tileDeg, city.center.lon + dLon);
      out.push({ city: city.key, timeZone: city.timeZone, bbox: [round(w), round(s), round(e), round(n)] });
    }
  }
  return out;
}

/** Routes through `waypoints` segments each (2–25), segments taken in a west-to-east sweep so routes stay local. */
export function mapboxRequestsForSegments(city: CityProfile, segments: readonly RoadSegment[], waypoints = 10): MapboxRequest[] {
  if (!Number.isInteger(waypoints) || waypoints < 2 || waypoints > 25) throw new RangeError(`waypoints must be an integer in 2..25, got ${waypoints}`);
  const sorted = [...segments].sort((a, b) => a.lon - b.lon || a.lat - b.lat);
  const out: MapboxRequest[] = [];
  for (let i = 0; i + 1 < sorted.length; i += waypoints - 1) {
    const group = sorted.slice(i, i + waypoints);
    if (group.length < 2) break;
    out.push({ city: city.key, timeZone: city.timeZone, coordinates: group.map((s) => [s.lon, s.lat] as const) });
  }
  return out;
}
