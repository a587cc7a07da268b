import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MalformedResponseError, OverpassQueryError, fetchRoadNetworkFromOverpass, overpassQuery } from '../../tasks/sources/index.ts';
import { type FakeServer, startFakeServer } from './helpers/fake-server.ts';

// What Overpass answers for `way["highway"](bbox);(._;>;);out body;` in JSON: nodes, then ways.
const ANSWER = {
  version: 0.6,
  generator: 'Overpass API 0.7.62',
  elements: [
    { type: 'node', id: 1, lat: 60.17, lon: 24.94 },
    { type: 'node', id: 2, lat: 60.171, lon: 24.941 },
    { type: 'node', id: 3, lat: 60.172, lon: 24.95 },
    { type: 'way', id: 10, nodes: [1, 2, 3], tags: { highway: 'primary', maxspeed: '40' } },
    { type: 'way', id: 11, nodes: [2, 3], tags: { highway: 'footway' } },
    { type: 'way', id: 12, nodes: [1, 3], tags: { highway: 'residential' } },
  ],
};
const BBOX = { south: 60.16, west: 24.93, north: 60.18, east: 24.96 };

describe('Overpass client', () => {
  let server: FakeServer;
  beforeAll(async () => {
    server = await startFakeServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('posts the highway query and builds segments like the file readers do', async () => {
    server.script({ body: ANSWER });
    const net = await fetchRoadNetworkFromOverpass(BBOX, { baseUrl: `${server.url}/api/interpreter` });
    expect(server.requests[0]!.method).toBe('POST');
    expect(new URLSearchParams(server.requests[0]!.body).get('data')).toBe(overpassQuery(BBOX));
    expect(net.stats).toMatchObject({ nodes: 3, highwayWays: 3, drivableWays: 2, maxspeedTagged: 1 });
    const primary = net.segments.find((s) => s.id.startsWith('osm:10:'))!;
    expect(primary).toMatchObject({ roadClass: 'primary', maxspeedKmh: 40, maxspeedSource: 'tag' });
    expect(net.segments.find((s) => s.id.startsWith('osm:12:'))).toMatchObject({ roadClass: 'residential', maxspeedSource: 'default' });
  });

  it('retries 429 and 504, as Overpass answers when busy', async () => {
    server.script({ status: 429, headers: { 'retry-after': '0' }, body: 'rate limited' }, { status: 504, body: 'gateway timeout' }, { body: ANSWER });
    const net = await fetchRoadNetworkFromOverpass(BBOX, { baseUrl: server.url, backoffBaseMs: 1 });
    expect(server.requests).toHaveLength(3);
    expect(net.segments.length).toBeGreaterThan(0);
  });

  it('fails clearly on a runtime-error remark or a malformed answer', async () => {
    server.script({ body: { elements: [], remark: 'runtime error: Query timed out in "query" at line 1 after 61 seconds.' } });
    await expect(fetchRoadNetworkFromOverpass(BBOX, { baseUrl: server.url })).rejects.toThrow(OverpassQueryError);
    server.script({ body: { elements: [{ type: 'node', id: 1, lat: 'north', lon: 3 }] } });
    await expect(fetchRoadNetworkFromOverpass(BBOX, { baseUrl: server.url })).rejects.toThrow(MalformedResponseError);
    expect(() => overpassQuery({ south: 2, west: 1, north: 1, east: 2 })).toThrow(/north > south/);
  });
});
