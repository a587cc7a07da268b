/**
 * Loads a road network from an OSM extract: `.osm.pbf`, or OSM XML plain, bzip2- or gzip-compressed.
 *
 * The format is decided by the file's first bytes, not its name, because extracts are often renamed
 * (`.osm.bz2` for XML, `.osm` for PBF). Memory: node coordinates (16 bytes per node plus a map entry) and the
 * segments; fine for city and small-country extracts, not for a planet file.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import unbzip2Stream from 'unbzip2-stream';
import type { RoadNetwork } from '../../traffic/road-network.ts';
import { OsmFileError } from './errors.ts';
import { type NetworkBuildOptions, RoadNetworkBuilder } from './network-builder.ts';
import { readPbfInto } from './pbf.ts';
import { readXmlInto } from './xml.ts';

export type OsmFormat = 'pbf' | 'xml' | 'xml.bz2' | 'xml.gz';

/** Sniffs the format from the first bytes: bzip2 `BZh`, gzip 1f 8b, XML `<`, otherwise PBF (a length-prefixed BlobHeader). */
export async function detectOsmFormat(path: string): Promise<OsmFormat> {
  let head: Buffer;
  try {
    const fh = await open(path, 'r');
    try {
      head = Buffer.alloc(16);
      const { bytesRead } = await fh.read(head, 0, 16, 0);
      head = head.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (cause) {
    throw new OsmFileError(path, 'OSM', `${(cause as NodeJS.ErrnoException).code ?? 'cannot open'}; check the path`, { cause });
  }
  if (head.length < 4) throw new OsmFileError(path, 'OSM', `file has only ${head.length} bytes`);
  if (head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'xml.bz2';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'xml.gz';
  const text = head.toString('latin1').replace(/^\uFEFF?\s*/, '');
  if (text.startsWith('<')) return 'xml';
  // PBF starts with a 4-byte big-endian BlobHeader length followed by the "OSMHeader" type string.
  if (head.includes('OSMHeader')) return 'pbf';
  throw new OsmFileError(path, 'OSM', 'not PBF (no OSMHeader), XML, bzip2 or gzip; check that it is an OSM extract');
}

export async function loadRoadNetwork(path: string, options: NetworkBuildOptions = {}): Promise<RoadNetwork> {
  const builder = new RoadNetworkBuilder(options);
  await readOsmInto(path, builder);
  return builder.build(path);
}

/** Feeds an extract's nodes and ways to `builder` (or a subclass that also records topology, tasks/graph/). */
export async function readOsmInto(path: string, builder: RoadNetworkBuilder): Promise<void> {
  const format = await detectOsmFormat(path);
  if (format === 'pbf') {
    await readPbfInto(path, builder);
  } else {
    const raw = createReadStream(path);
    // unbzip2-stream is an old-style "through" stream: pipe it into a real Readable for async iteration.
    const text = new PassThrough();
    const stages: NodeJS.ReadWriteStream[] = format === 'xml.bz2' ? [unbzip2Stream()] : format === 'xml.gz' ? [createGunzip()] : [];
    let upstream: NodeJS.ReadableStream = raw;
    for (const stage of stages) upstream = upstream.pipe(stage);
    upstream.pipe(text);
    // `pipe` does not forward errors: a corrupt compressed stream must fail the read, not hang it.
    for (const s of [raw, ...stages]) (s as Readable).on('error', (e: Error) => text.destroy(e));
    await readXmlInto(path, builder, text as Readable);
  }
}

const cache = new Map<string, Promise<RoadNetwork>>();

/**
 * `loadRoadNetwork` memoised per path and options for the life of the thread, so a worker that generates
 * many shards from one extract parses it once.
 */
export function cachedRoadNetwork(path: string, options: NetworkBuildOptions = {}): Promise<RoadNetwork> {
  const key = `${path}\0${JSON.stringify(options)}`;
  let p = cache.get(key);
  if (!p) {
    p = loadRoadNetwork(path, options);
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}
