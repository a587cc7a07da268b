/**
 * Parsing OSM `maxspeed` values into km/h.
 *
 * The tag is free text in practice: plain numbers (`50`), units (`30 mph`, `10 knots`), implicit zone values
 * (`DE:urban`, `RU:rural`, `GB:nsl_single`, `DE:zone30`), lists for lanes or conditions (`50;30`), and words
 * (`none`, `walk`, `signals`, `variable`). Anything we cannot turn into a number returns `undefined` and the
 * caller falls back to the class default.
 */
import type { RoadClass } from '../../traffic/road-classes.ts';

const MPH = 1.609344;
const KNOT = 1.852;

/** Implicit limits by country for the usual zone keywords, km/h (OSM wiki "Default speed limits"). */
const ZONE_DEFAULTS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  DE: { urban: 50, rural: 100, motorway: 130, living_street: 7, trunk: 100 },
  AT: { urban: 50, rural: 100, motorway: 130, living_street: 5, trunk: 100 },
  CH: { urban: 50, rural: 80, motorway: 120, living_street: 20, trunk: 100 },
  LI: { urban: 50, rural: 80, motorway: 120, living_street: 20 },
  FR: { urban: 50, rural: 80, motorway: 130, living_street: 20, trunk: 110 },
  IT: { urban: 50, rural: 90, motorway: 130, trunk: 110 },
  ES: { urban: 50, rural: 90, motorway: 120 },
  FI: { urban: 50, rural: 80, motorway: 120 },
  RU: { urban: 60, rural: 90, motorway: 110, living_street: 20 },
  GB: { nsl_single: 60 * MPH, nsl_dual: 70 * MPH, motorway: 70 * MPH, urban: 30 * MPH },
  US: { urban: 25 * MPH, rural: 55 * MPH, motorway: 65 * MPH },
};

/** Used for `XX:keyword` in a country missing from the table. */
const GENERIC_ZONE: Readonly<Record<string, number>> = {
  urban: 50,
  rural: 90,
  motorway: 120,
  trunk: 100,
  living_street: 10,
  nsl_single: 90,
  nsl_dual: 110,
};

/** What `maxspeed=none` means in practice: an unrestricted motorway is driven at about 130 km/h. */
const UNLIMITED_KMH = 130;

export function parseMaxspeed(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  // Lists (lanes, time-conditional values): the first entry is the general limit.
  const first = value.split(/[;|]/)[0]!.trim().toLowerCase();
  if (first === '') return undefined;
  if (first === 'none') return UNLIMITED_KMH;
  if (first === 'walk') return 7;
  const numeric = /^(\d+(?:\.\d+)?)\s*(km\/h|kmh|kph|mph|knots)?$/.exec(first);
  if (numeric) {
    const n = Number(numeric[1]);
    if (!(n > 0) || n > 300) return undefined;
    const unit = numeric[2];
    return unit === 'mph' ? n * MPH : unit === 'knots' ? n * KNOT : n;
  }
  const zone = /^([a-z]{2}):([a-z_]*?)(?::?(\d+))?$/.exec(first);
  if (zone) {
    const [, country, keyword, number] = zone;
    if (number !== undefined) return Number(number); // DE:zone30, DE:zone:30, DE:30
    const table = ZONE_DEFAULTS[country!.toUpperCase()];
    return table?.[keyword!] ?? GENERIC_ZONE[keyword!];
  }
  return undefined;
}

/**
 * The limit of a way from its tags: `maxspeed`, then `maxspeed:forward`/`:backward`, then the implicit
 * `maxspeed:type`/`zone:maxspeed`/`source:maxspeed` zone keyword.
 */
export function maxspeedFromTags(tags: Readonly<Record<string, string>>, _roadClass?: RoadClass): number | undefined {
  return (
    parseMaxspeed(tags['maxspeed']) ??
    parseMaxspeed(tags['maxspeed:forward']) ??
    parseMaxspeed(tags['maxspeed:backward']) ??
    parseMaxspeed(tags['maxspeed:type']) ??
    parseMaxspeed(tags['zone:maxspeed']) ??
    parseMaxspeed(tags['source:maxspeed'])
  );
}
