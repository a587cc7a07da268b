/**
 * Reads `.osm.pbf` with osm-pbf-parser (streaming: blocks are decoded as they arrive, so a file never sits
 * in memory whole; only node coordinates are kept, by the builder).
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import osmPbfParser, { type OsmPbfItem } from 'osm-pbf-parser';
import { OsmFileError } from './errors.ts';
import type { RoadNetworkBuilder } from './network-builder.ts';

export async function readPbfInto(path: string, builder: RoadNetworkBuilder, source?: Readable): Promise<void> {
  const parser = osmPbfParser();
  try {
    await pipeline(source ?? createReadStream(path), parser, async (items: AsyncIterable<OsmPbfItem[]>) => {
      for await (const batch of items) {
        for (const it of batch) {
          if (it.type === 'node') builder.addNode(it.id, it.lat, it.lon);
          else if (it.type === 'way') builder.addWay(it.id, it.refs, it.tags ?? {});
        }
      }
    });
  } catch (cause) {
    throw new OsmFileError(path, 'OSM PBF', `${(cause as Error).message ?? cause}; check that it is an uncorrupted .osm.pbf`, { cause });
  }
}
