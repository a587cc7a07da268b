/**
 * TomTom Traffic Flow Segment Data v4: the speed of the road segment nearest a point, one segment per
 * request.
 *
 *   GET {base}/traffic/services/4/flowSegmentData/{style}/{zoom}/json?point=LAT,LON&unit=KMPH&key=KEY
 *   → {"flowSegmentData": {"frc": "FRC2", "currentSpeed": 41, "freeFlowSpeed": 70, "currentTravelTime": 152,
 *      "freeFlowTravelTime": 89, "confidence": 0.59, "roadClosure": false,
 *      "coordinates": {"coordinate": [{"latitude": 52.4, "longitude": 4.8}, …]}}}
 *
 * Speeds are km/h because we ask for `unit=KMPH`; travel times are seconds over the returned segment.
 * The segment has no id, so its id is built from the rounded end points of its shape: polling the same
 * point again yields the same id.
 */
import { z } from 'zod';
import { congestionOf, type Sample } from '../../traffic/schema.ts';
import type { RoadClass } from '../../traffic/road-classes.ts';
import { type ProviderAdapter, ProviderClient, type ProviderClientOptions } from './client.ts';
import { type CityRef, localClock } from './local-clock.ts';
import { coordKey, parseBody } from './validate.ts';

export interface TomTomRequest extends CityRef {
  lat: number;
  lon: number;
  /** Zoom level of the segment's generalisation (0–22). @default 10 */
  zoom?: number;
  /** @default 'absolute' */
  style?: 'absolute' | 'relative' | 'relative0' | 'relative0-dark' | 'relative-delay' | 'reduced-sensitivity';
}

/** Functional road class → road class: FRC0 motorways … FRC6 local roads. */
const FRC_CLASS: Readonly<Record<string, RoadClass>> = {
  FRC0: 'motorway',
  FRC1: 'trunk',
  FRC2: 'primary',
  FRC3: 'secondary',
  FRC4: 'tertiary',
  FRC5: 'unclassified',
  FRC6: 'residential',
  FRC7: 'service',
};

const nonNegative = z.number().finite().nonnegative();

export const tomtomResponseSchema = z.object({
  flowSegmentData: z.object({
    frc: z.string(),
    currentSpeed: nonNegative,
    freeFlowSpeed: z.number().finite().positive(),
    currentTravelTime: nonNegative,
    freeFlowTravelTime: nonNegative,
    confidence: z.number().min(0).max(1),
    roadClosure: z.boolean().optional(),
    coordinates: z.object({
      coordinate: z.array(z.object({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) })).min(1),
    }),
  }),
});

export const tomtomAdapter: ProviderAdapter<TomTomRequest> = {
  name: 'tomtom',
  defaultBaseUrl: 'https://api.tomtom.com',
  buildUrl(baseUrl, r, key) {
    const url = new URL(`traffic/services/4/flowSegmentData/${r.style ?? 'absolute'}/${r.zoom ?? 10}/json`, withSlash(baseUrl));
    url.searchParams.set('point', `${r.lat},${r.lon}`);
    url.searchParams.set('unit', 'KMPH');
    url.searchParams.set('openLr', 'false');
    url.searchParams.set('key', key);
    return url;
  },
  parse(body, r, { fetchedAtMs, url }): Sample[] {
    const d = parseBody(tomtomResponseSchema, body, 'tomtom', url).flowSegmentData;
    const pts = d.coordinates.coordinate;
    const first = pts[0]!;
    const last = pts[pts.length - 1]!;
    const mid = pts[Math.floor(pts.length / 2)]!;
    const closed = d.roadClosure === true;
    const current = closed ? 0 : d.currentSpeed;
    const { hour, dayOfWeek } = localClock(r, fetchedAtMs);
    return [
      {
        timestamp: fetchedAtMs,
        city: r.city,
        segment_id: `tomtom:${coordKey(first.latitude, first.longitude)}:${coordKey(last.latitude, last.longitude)}`,
        lat: mid.latitude,
        lon: mid.longitude,
        road_class: FRC_CLASS[d.frc] ?? 'unclassified',
        hour,
        day_of_week: dayOfWeek,
        free_flow_speed_kmh: d.freeFlowSpeed,
        current_speed_kmh: current,
        congestion: congestionOf(current, d.freeFlowSpeed),
        confidence: d.confidence,
        free_flow_travel_time_s: d.freeFlowTravelTime,
        current_travel_time_s: closed ? null : d.currentTravelTime,
        source: 'tomtom',
      },
    ];
  },
};

export function withSlash(base: string): string {
  return base.endsWith('/') ? base : `${base}/`;
}

/** A TomTom client: keys from TOMTOM_API_KEY or the secrets file unless given. */
export function tomtomClient(options: ProviderClientOptions = {}): ProviderClient<TomTomRequest> {
  return new ProviderClient(tomtomAdapter, options);
}
