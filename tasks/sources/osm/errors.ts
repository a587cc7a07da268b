import { registerTrafficErrors, TrafficError } from '../../traffic/errors.ts';
export class OsmFileError extends TrafficError {
  override readonly name = 'OsmFileError';
  constructor(
    readonly path: string,
    readonly format: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`could not read OSM file ${path} as ${format}: ${detail}`, options);
  }
}

/** Overpass answered 200 but says in `remark` that the query did not complete (timeout, memory). */
export class OverpassQueryError extends TrafficError {
  override readonly name = 'OverpassQueryError';
  constructor(
    readonly bbox: string,
    readonly remark: string,
  ) {
    super(`Overpass could not complete the query for ${bbox}: ${remark}; use a smaller bounding box or a longer queryTimeoutS`);
  }
}

registerTrafficErrors(OsmFileError, OverpassQueryError);
