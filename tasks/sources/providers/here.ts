/**
 * HERE Traffic API v7 flow: every flow item in an area, many segments per request.
 *
 *   GET {base}/v7/flow?in=bbox:WEST,SOUTH,EAST,NORTH&locationReferencing=shape&apiKey=KEY
 *   → {"sourceUpdated": "2026-…Z", "results": [{"location": {"description": "…", "length": 966.0,
 *        "shape": {"links": [{"points": [{"lat": 52.5, "lng": 13.4}, …], "length": 120.5, "functionalClass": 2}]}},
 *      "currentFlow": {"speed": 13.9, "speedUncapped": 14.7, "freeFlow": 13.9, "jamFactor": 1.2,
 *        "confidence": 0.99, "traversability": "open"}}]}
 *
 * Speeds are metres per second and are converted to km/h. `speed` is absent when a road is closed
 * (`traversability: "closed"`); such items become readings of 0 km/h. The body is validated whole: one bad
 * item rejects the response, because a provider changing its format should fail loudly, not thin the data.
 */
import { z } from 'zod';
import type { RoadClass } from '../../traffic/road-classes.ts';
import { congestionOf, type Sample } from '../../traffic/schema.ts';
import { type ProviderAdapter, ProviderClient, type ProviderClientOptions } from './client.ts';
import { type CityRef, localClock } from './local-clock.ts';
import { withSlash } from './tomtom.ts';
import { coordKey, parseBody } from './validate.ts';

export interface HereRequest extends CityRef {
  /** [west, south, east, north] in degrees; HERE allows at most 1° × 1°. */
  bbox: readonly [number, number, number, number];
}

/** HERE functional class 1 (main roads) … 5 (local roads). */
const FUNCTIONAL_CLASS: Readonly<Record<number, RoadClass>> = {
  1: 'motorway',
  2: 'trunk',
  3: 'primary',
  4: 'secondary',
  5: 'residential',
};

/** HERE's documented meaning: 0.7–1 real time, 0.5–0.7 historical, below 0.5 speed limit. Assume historical. */
const DEFAULT_CONFIDENCE = 0.6;

const point = z.object({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) });
const metresPerSecond = z.number().finite().nonnegative();

export const hereResponseSchema = z.object({
  sourceUpdated: z.string().optional(),
  results: z.array(
    z.object({
      location: z.object({
        description: z.string().optional(),
        length: z.number().finite().positive(),
        shape: z.object({
          links: z.array(z.object({ points: z.array(point).min(1), length: z.number().optional(), functionalClass: z.number().int().optional() })).min(1),
        }),
      }),
      currentFlow: z.object({
        speed: metresPerSecond.optional(),
        speedUncapped: metresPerSecond.optional(),
        freeFlow: z.number().finite().positive(),
        jamFactor: z.number().min(0).max(10),
        confidence: z.number().min(0).max(1).optional(),
        traversability: z.string().optional(),
      }),
    }),
  ),
});

export const hereAdapter: ProviderAdapter<HereRequest> = {
  name: 'here',
  defaultBaseUrl: 'https://data.traffic.hereapi.com',
  buildUrl(baseUrl, r, key) {
    const [w, s, e, n] = r.bbox;
    if (!(e > w && n > s) || e - w > 1 || n - s > 1) {
      throw new RangeError(`HERE bbox [${r.bbox.join(', ')}] must be [west, south, east, north] and at most 1° on each side`);
    }
    const url = new URL('v7/flow', withSlash(baseUrl));
    url.searchParams.set('in', `bbox:${w},${s},${e},${n}`);
    url.searchParams.set('locationReferencing', 'shape');
    url.searchParams.set('apiKey', key);
    return url;
  },
  parse(body, r, { fetchedAtMs, url }): Sample[] {
    const data = parseBody(hereResponseSchema, body, 'here', url);
    const updated = data.sourceUpdated ? Date.parse(data.sourceUpdated) : NaN;
    const timestamp = Number.isFinite(updated) ? updated : fetchedAtMs;
    const { hour, dayOfWeek } = localClock(r, timestamp);
    return data.results.map((item): Sample => {
      const links = item.location.shape.links;
      const firstPts = links[0]!.points;
      const lastPts = links[links.length - 1]!.points;
      const midLink = links[Math.floor(links.length / 2)]!.points;
      const mid = midLink[Math.floor(midLink.length / 2)]!;
      const flow = item.currentFlow;
      const closed = flow.traversability === 'closed' || flow.speed === undefined;
      const freeFlowKmh = flow.freeFlow * 3.6;
      const currentKmh = closed ? 0 : flow.speed! * 3.6;
      const length = item.location.length;
      return {
        timestamp,
        city: r.city,
        segment_id: `here:${coordKey(firstPts[0]!.lat, firstPts[0]!.lng)}:${coordKey(lastPts[lastPts.length - 1]!.lat, lastPts[lastPts.length - 1]!.lng)}`,
        lat: mid.lat,
        lon: mid.lng,
        road_class: FUNCTIONAL_CLASS[links[0]!.functionalClass ?? 0] ?? 'unclassified',
        hour,
        day_of_week: dayOfWeek,
        free_flow_speed_kmh: freeFlowKmh,
        current_speed_kmh: currentKmh,
        congestion: congestionOf(currentKmh, freeFlowKmh),
        confidence: flow.confidence ?? DEFAULT_CONFIDENCE,
        free_flow_travel_time_s: length / flow.freeFlow,
        current_travel_time_s: closed || flow.speed === 0 ? null : length / flow.speed!,
        source: 'here',
      };
    });
  },
};

/** A HERE client: keys from HERE_API_KEY or the secrets file unless given. */
export function hereClient(options: ProviderClientOptions = {}): ProviderClient<HereRequest> {
  return new ProviderClient(hereAdapter, options);
}
