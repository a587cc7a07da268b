import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MalformedResponseError, hereAdapter, mapboxAdapter, tomtomAdapter } from '../../tasks/sources/index.ts';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/providers');
const fixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
// Monday 2026-03-02 07:45 UTC = 08:45 in Berlin, 23:45 Sunday in Los Angeles.
const AT = Date.UTC(2026, 2, 2, 7, 45);
const ctx = { fetchedAtMs: AT, url: 'http://test/' };

describe('TomTom Flow Segment Data mapping', () => {
  it('maps speeds (km/h), FRC, travel times, local time and a stable segment id', () => {
    const [s] = tomtomAdapter.parse(fixture('tomtom-flow-segment.json'), { city: 'berlin', lat: 52.41, lon: 4.84 }, ctx);
    expect(s).toMatchObject({
      timestamp: AT,
      city: 'berlin',
      segment_id: 'tomtom:52.41072,4.84239:52.41372,4.83810',
      lat: 52.41243,
      road_class: 'primary',
      hour: 8,
      day_of_week: 1,
      free_flow_speed_kmh: 70,
      current_speed_kmh: 41,
      confidence: 0.59,
      free_flow_travel_time_s: 89,
      current_travel_time_s: 152,
      source: 'tomtom',
    });
    expect(s!.congestion).toBeCloseTo(1 - 41 / 70, 9);
  });

  it('reads a road closure as 0 km/h with no current travel time', () => {
    const body = fixture('tomtom-flow-segment.json');
    body.flowSegmentData.roadClosure = true;
    const [s] = tomtomAdapter.parse(body, { city: 'berlin', lat: 52.41, lon: 4.84 }, ctx);
    expect(s!.current_speed_kmh).toBe(0);
    expect(s!.congestion).toBe(1);
    expect(s!.current_travel_time_s).toBeNull();
  });

  it('builds the documented URL with unit=KMPH', () => {
    const url = tomtomAdapter.buildUrl('https://api.tomtom.com', { city: 'berlin', lat: 52.41072, lon: 4.84239, zoom: 12 }, 'K');
    expect(url.toString()).toBe('https://api.tomtom.com/traffic/services/4/flowSegmentData/absolute/12/json?point=52.41072%2C4.84239&unit=KMPH&openLr=false&key=K');
  });
});

describe('HERE Traffic v7 flow mapping', () => {
  const samples = hereAdapter.parse(fixture('here-flow.json'), { city: 'berlin', bbox: [13.4, 52.5, 13.5, 52.55] }, ctx);

  it('converts m/s to km/h and uses sourceUpdated as the timestamp', () => {
    expect(samples).toHaveLength(3);
    const [a, b] = samples;
    expect(a!.current_speed_kmh).toBeCloseTo(30, 4);
    expect(a!.free_flow_speed_kmh).toBeCloseTo(50, 4);
    expect(a!.congestion).toBeCloseTo(0.4, 4);
    expect(a!.current_travel_time_s).toBeCloseTo(966 / 8.333333, 3);
    expect(a!.timestamp).toBe(Date.parse('2026-03-02T07:45:00Z'));
    expect(a!).toMatchObject({ road_class: 'trunk', hour: 8, day_of_week: 1, confidence: 0.97, source: 'here', segment_id: 'here:52.51833,13.41312:52.51893,13.42731' });
    expect(b!.road_class).toBe('primary');
    expect(b!.congestion).toBe(0);
  });

  it('reads a closed road (no speed) as 0 km/h', () => {
    const closed = samples[2]!;
    expect(closed.current_speed_kmh).toBe(0);
    expect(closed.congestion).toBe(1);
    expect(closed.current_travel_time_s).toBeNull();
    expect(closed.road_class).toBe('secondary');
  });

  it('refuses a bounding box larger than HERE allows', () => {
    expect(() => hereAdapter.buildUrl('https://x', { city: 'berlin', bbox: [13, 52, 14.5, 52.5] }, 'K')).toThrow(/at most 1°/);
  });
});

describe('Mapbox driving-traffic annotation mapping', () => {
  const request = { city: 'los_angeles', coordinates: [[-122.419415, 37.774929], [-122.408846, 37.778634]] as [number, number][] };
  const samples = mapboxAdapter.parse(fixture('mapbox-directions.json'), request, ctx);

  it('makes one sample per annotated piece across legs, speeds from m/s to km/h', () => {
    expect(samples).toHaveLength(4);
    expect(samples.map((s) => s.current_speed_kmh)).toEqual([4.2 * 3.6, 3.3 * 3.6, 6.1 * 3.6, 2.4 * 3.6]);
    expect(samples[3]!.segment_id).toBe(`mapbox:37.77768,${(-122.411425).toFixed(5)}:37.77863,-122.40885`);
    expect(samples[3]!.lat).toBeCloseTo((37.777682 + 37.778634) / 2, 9);
    expect(samples[2]!.current_travel_time_s).toBe(41.3);
    expect(samples[0]!).toMatchObject({ hour: 23, day_of_week: 7, source: 'mapbox', road_class: 'unclassified' });
  });

  it('takes free-flow from the limit where known, else from the congestion level', () => {
    expect(samples[0]!.free_flow_speed_kmh).toBe(40);
    expect(samples[1]!.free_flow_speed_kmh).toBeCloseTo((3.3 * 3.6) / (1 - 0.6), 9);
    expect(samples[2]!.free_flow_speed_kmh).toBeCloseTo(25 * 1.609344, 9);
    expect(samples[3]!.free_flow_speed_kmh).toBeCloseTo((2.4 * 3.6) / (1 - 0.8), 9);
    expect(samples[0]!.confidence).toBeGreaterThan(samples[1]!.confidence);
  });

  it('rejects a response whose code is not Ok', () => {
    const body = { code: 'NoRoute', message: 'No route found', routes: [] };
    expect(() => mapboxAdapter.parse(body, request, ctx)).toThrow(MalformedResponseError);
    expect(() => mapboxAdapter.parse(body, request, ctx)).toThrow(/"code" is "NoRoute"/);
  });

  it('builds lon,lat waypoints and asks for the annotations', () => {
    const url = mapboxAdapter.buildUrl('https://api.mapbox.com', request, 'T');
    expect(url.pathname).toBe('/directions/v5/mapbox/driving-traffic/-122.419415,37.774929;-122.408846,37.778634');
    expect(url.searchParams.get('annotations')).toBe('speed,duration,distance,congestion,maxspeed');
    expect(() => mapboxAdapter.buildUrl('https://x', { city: 'x', coordinates: [[1, 2]] }, 'T')).toThrow(/2 to 25 waypoints/);
  });
});

describe('requests for a city', async () => {
  const { hereRequestsForCity, mapboxRequestsForSegments, tomtomRequestsForSegments } = await import('../../tasks/sources/providers/requests.ts');
  const { cityProfile } = await import('../../tasks/traffic/cities.ts');
  const { syntheticNetwork } = await import('../../tasks/sources/synthetic/network.ts');
  const berlin = cityProfile('berlin');
  const net = syntheticNetwork(berlin, 1, 100);

  it('polls TomTom once per segment midpoint', () => {
    const reqs = tomtomRequestsForSegments(berlin, net.segments);
    expect(reqs).toHaveLength(100);
    expect(reqs[5]).toEqual({ city: 'berlin', timeZone: 'Europe/Berlin', lat: net.segments[5]!.lat, lon: net.segments[5]!.lon });
  });

  it('tiles the city for HERE with boxes HERE accepts', () => {
    const reqs = hereRequestsForCity(berlin, 0.1);
    expect(reqs.length).toBeGreaterThan(4);
    for (const r of reqs) expect(() => hereAdapter.buildUrl('https://x', r, 'K')).not.toThrow();
    const [w, s] = reqs[0]!.bbox;
    expect(s).toBeCloseTo(berlin.center.lat - berlin.radiusKm / 110.574, 5);
    expect(w).toBeLessThan(berlin.center.lon);
  });

  it('chains segments into Mapbox routes that share their end points', () => {
    const reqs = mapboxRequestsForSegments(berlin, net.segments, 10);
    expect(reqs.every((r) => r.coordinates.length >= 2 && r.coordinates.length <= 10)).toBe(true);
    expect(reqs[1]!.coordinates[0]).toEqual(reqs[0]!.coordinates[9]);
    expect(() => mapboxRequestsForSegments(berlin, net.segments, 30)).toThrow(/2\.\.25/);
  });
});
