/**
 * Mapbox Directions API, `driving-traffic` profile, with per-piece annotations along the route.
 *
 *   GET {base}/directions/v5/mapbox/driving-traffic/LON,LAT;LON,LAT…?annotations=speed,duration,distance,
 *       congestion,maxspeed&overview=full&geometries=geojson&access_token=TOKEN
 *   → {"code": "Ok", "routes": [{"geometry": {"type": "LineString", "coordinates": [[lon, lat], …]},
 *      "legs": [{"annotation": {"speed": [m/s…], "duration": [s…], "distance": [m…],
 *        "congestion": ["low"|"moderate"|"heavy"|"severe"|"unknown"…],
 *        "maxspeed": [{"speed": 50, "unit": "km/h"} | {"unknown": true} | {"none": true}…]}}]}]}
 *
 * Each annotation entry describes the piece between two consecutive geometry coordinates and becomes one
 * sample. Mapbox documents `speed` in metres per second; we convert to km/h. Mapbox gives no free-flow
 * speed: we take the posted limit where known, otherwise infer it from the congestion level
 * (current ÷ (1 − typical congestion of that level)), and say so through a lower confidence.
 */
import { z } from 'zod';
import type { RoadClass } from '../../traffic/road-classes.ts';
import { congestionOf, type Sample } from '../../traffic/schema.ts';
import { MalformedResponseError } from '../errors.ts';
import { type ProviderAdapter, ProviderClient, type ProviderClientOptions } from './client.ts';
import { type CityRef, localClock } from './local-clock.ts';
import { withSlash } from './tomtom.ts';
import { coordKey, parseBody } from './validate.ts';

export interface MapboxRequest extends CityRef {
  /** 2–25 waypoints as [lon, lat] (Mapbox's order). */
  coordinates: readonly (readonly [number, number])[];
  /** Class to record for the pieces (Mapbox annotations carry none). @default 'unclassified' */
  roadClass?: RoadClass;
}

/** Typical congestion of each Mapbox level, used to infer free-flow speed where no limit is known. */
const LEVEL_CONGESTION: Readonly<Record<string, number>> = { low: 0.1, moderate: 0.35, heavy: 0.6, severe: 0.8 };

const maxspeedEntry = z.union([
  z.object({ speed: z.number().positive(), unit: z.enum(['km/h', 'mph']) }),
  z.object({ unknown: z.literal(true) }),
  z.object({ none: z.literal(true) }),
]);

export const mapboxResponseSchema = z.object({
  code: z.string(),
  message: z.string().optional(),
  routes: z
    .array(
      z.object({
        geometry: z.object({ type: z.literal('LineString'), coordinates: z.array(z.tuple([z.number(), z.number()])).min(2) }),
        legs: z.array(
          z.object({
            annotation: z.object({
              speed: z.array(z.number().finite().nonnegative()),
              duration: z.array(z.number().finite().nonnegative()),
              distance: z.array(z.number().finite().nonnegative()),
              congestion: z.array(z.string()),
              maxspeed: z.array(maxspeedEntry).optional(),
            }),
          }),
        ).min(1),
      }),
    )
    .optional(),
});

export const mapboxAdapter: ProviderAdapter<MapboxRequest> = {
  name: 'mapbox',
  defaultBaseUrl: 'https://api.mapbox.com',
  buildUrl(baseUrl, r, key) {
    if (r.coordinates.length < 2 || r.coordinates.length > 25) {
      throw new RangeError(`a Mapbox driving-traffic route takes 2 to 25 waypoints, got ${r.coordinates.length}`);
    }
    const path = r.coordinates.map(([lon, lat]) => `${lon},${lat}`).join(';');
    const url = new URL(`directions/v5/mapbox/driving-traffic/${path}`, withSlash(baseUrl));
    url.searchParams.set('annotations', 'speed,duration,distance,congestion,maxspeed');
    url.searchParams.set('overview', 'full');
    url.searchParams.set('geometries', 'geojson');
    url.searchParams.set('access_token', key);
    return url;
  },
  parse(body, r, { fetchedAtMs, url }): Sample[] {
    const data = parseBody(mapboxResponseSchema, body, 'mapbox', url);
    if (data.code !== 'Ok') {
      throw new MalformedResponseError('mapbox', 'code', url, `is "${data.code}"${data.message ? ` (${data.message})` : ''}, expected "Ok"`);
    }
    const route = data.routes?.[0];
    if (!route) throw new MalformedResponseError('mapbox', 'routes', url, 'is empty although code is "Ok"');
    const coords = route.geometry.coordinates;
    const { hour, dayOfWeek } = localClock(r, fetchedAtMs);
    const out: Sample[] = [];
    let p = 0;
    for (const [li, leg] of route.legs.entries()) {
      const a = leg.annotation;
      const n = a.speed.length;
      for (const [name, arr] of [['duration', a.duration], ['distance', a.distance], ['congestion', a.congestion], ['maxspeed', a.maxspeed]] as const) {
        if (arr && arr.length !== n) {
          throw new MalformedResponseError('mapbox', `routes.0.legs.${li}.annotation.${name}`, url, `has ${arr.length} entries but speed has ${n}`);
        }
      }
      if (p + n >= coords.length) {
        throw new MalformedResponseError('mapbox', `routes.0.legs.${li}.annotation`, url, `has more entries than the geometry has pieces (${coords.length - 1})`);
      }
      for (let k = 0; k < n; k++, p++) {
        const distance = a.distance[k]!;
        const duration = a.duration[k]!;
        if (!(distance > 0 && duration > 0)) continue;
        const [lon1, lat1] = coords[p]!;
        const [lon2, lat2] = coords[p + 1]!;
        const current = a.speed[k]! * 3.6;
        const level = a.congestion[k]!;
        const limit = a.maxspeed?.[k];
        const limitKmh = limit && 'speed' in limit ? (limit.unit === 'mph' ? limit.speed * 1.609344 : limit.speed) : undefined;
        const freeFlow = Math.max(current, limitKmh ?? current / (1 - (LEVEL_CONGESTION[level] ?? 0)));
        out.push({
          timestamp: fetchedAtMs,
          city: r.city,
          segment_id: `mapbox:${coordKey(lat1, lon1)}:${coordKey(lat2, lon2)}`,
          lat: (lat1 + lat2) / 2,
          lon: (lon1 + lon2) / 2,
          road_class: r.roadClass ?? 'unclassified',
          hour,
          day_of_week: dayOfWeek,
          free_flow_speed_kmh: freeFlow,
          current_speed_kmh: current,
          congestion: congestionOf(current, freeFlow),
          confidence: level in LEVEL_CONGESTION ? (limitKmh !== undefined ? 0.8 : 0.6) : 0.4,
          free_flow_travel_time_s: freeFlow > 0 ? (distance * 3.6) / freeFlow : null,
          current_travel_time_s: duration,
          source: 'mapbox',
        });
      }
      // Legs share their boundary coordinate: the next leg starts where this one ended.
    }
    return out;
  },
};

/** A Mapbox client: tokens from MAPBOX_ACCESS_TOKEN or the secrets file unless given. */
export function mapboxClient(options: ProviderClientOptions = {}): ProviderClient<MapboxRequest> {
  return new ProviderClient(mapboxAdapter, options);
}
