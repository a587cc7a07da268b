// Minimal types for two CommonJS packages that ship none.

declare module 'osm-pbf-parser' {
  import type { Duplex } from 'node:stream';
  export interface OsmPbfNode {
    type: 'node';
    id: number;
    lat: number;
    lon: number;
    tags: Record<string, string>;
  }
  export interface OsmPbfWay {
    type: 'way';
    id: number;
    refs: number[];
    tags: Record<string, string>;
  }
  export interface OsmPbfRelation {
    type: 'relation';
    id: number;
    tags: Record<string, string>;
  }
  export type OsmPbfItem = OsmPbfNode | OsmPbfWay | OsmPbfRelation;
  /** A duplex stream: PBF bytes in, arrays of items out (object mode). */
  export default function osmPbfParser(): Duplex;
}

declare module 'unbzip2-stream' {
  import type { Duplex } from 'node:stream';
  /** A transform stream: bzip2 bytes in, decompressed bytes out. */
  export default function unbzip2Stream(): Duplex;
}
