/**
 * Reads OSM XML (`.osm`, `.osm.xml`, optionally bzip2- or gzip-compressed) with saxes, streaming: only
 * the current way's node refs and tags are held while parsing.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { SaxesParser } from 'saxes';
import { OsmFileError } from './errors.ts';
import type { RoadNetworkBuilder } from './network-builder.ts';

export async function readXmlInto(path: string, builder: RoadNetworkBuilder, text: Readable): Promise<void> {
  const parser = new SaxesParser();
  let wayId: number | undefined;
  let refs: number[] = [];
  let tags: Record<string, string> = {};
  let sawOsmRoot = false;
  let failure: Error | undefined;
  parser.on('opentag', (tag) => {
    const a = tag.attributes as Record<string, string>;
    switch (tag.name) {
      case 'osm':
        sawOsmRoot = true;
        break;
      case 'node': {
        const lat = Number(a['lat']);
        const lon = Number(a['lon']);
        // Deleted or redacted nodes in history files have no coordinates; they cannot be part of a road.
        if (Number.isFinite(lat) && Number.isFinite(lon)) builder.addNode(Number(a['id']), lat, lon);
        break;
      }
      case 'way':
        wayId = Number(a['id']);
        refs = [];
        tags = {};
        break;
      case 'nd':
        if (wayId !== undefined) refs.push(Number(a['ref']));
        break;
      case 'tag':
        if (wayId !== undefined && a['k'] !== undefined) tags[a['k']] = a['v'] ?? '';
        break;
    }
  });
  parser.on('closetag', (tag) => {
    if (tag.name === 'way' && wayId !== undefined) {
      builder.addWay(wayId, refs, tags);
      wayId = undefined;
    }
  });
  parser.on('error', (e) => {
    failure ??= e;
  });
  try {
    // A decoder, not setEncoding: multi-byte characters split across chunks must survive.
    const decoder = new StringDecoder('utf8');
    for await (const chunk of text) {
      parser.write(typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer));
      if (failure) break;
    }
    if (!failure) {
      parser.write(decoder.end());
      parser.close();
    }
  } catch (cause) {
    throw new OsmFileError(path, 'OSM XML', `${(cause as Error).message ?? cause}; check that it is a complete, uncorrupted file`, { cause });
  }
  if (failure) throw new OsmFileError(path, 'OSM XML', `${failure.message}; check that it is well-formed OSM XML`, { cause: failure });
  if (!sawOsmRoot) throw new OsmFileError(path, 'OSM XML', 'no <osm> root element; is this an OSM file?');
}
