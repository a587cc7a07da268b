/**
 * Road classes: the values of the `road_class` column and what each one means for speeds.
 *
 * They are OSM `highway=*` values for roads that cars use. `*_link` ramps fold into their parent class (a
 * motorway ramp congests with its motorway), and anything a car cannot drive (footway, cycleway, path,
 * steps, construction, …) is not a road class at all. Provider classes (TomTom FRC, HERE functional class)
 * map into the same list, so a model never has to learn two vocabularies.
 */

export const ROAD_CLASSES = [
  'motorway',
  'trunk',
  'primary',
  'secondary',
  'tertiary',
  'unclassified',
  'residential',
  'living_street',
  'service',
] as const;

export type RoadClass = (typeof ROAD_CLASSES)[number];

const ROAD_CLASS_SET: ReadonlySet<string> = new Set(ROAD_CLASSES);

export function isRoadClass(value: string): value is RoadClass {
  return ROAD_CLASS_SET.has(value);
}

/**
 * Speed (km/h) assumed where a way carries no usable `maxspeed` tag: the most common posted limit for the
 * class in European and North American cities. 7 % of highway ways in the Liechtenstein extract and 30 % in
 * central Helsinki carry `maxspeed`, so these defaults decide most segments' free-flow speed.
 */
export const DEFAULT_MAXSPEED_KMH: Readonly<Record<RoadClass, number>> = {
  motorway: 110,
  trunk: 90,
  primary: 70,
  secondary: 60,
  tertiary: 50,
  unclassified: 50,
  residential: 40,
  living_street: 15,
  service: 20,
};

/**
 * Maps an OSM `highway` tag to a road class, or `undefined` for ways cars do not use.
 * `motorway_link` → `motorway`, `trunk_link` → `trunk`, and so on.
 */
export function roadClassOfHighway(highway: string | undefined): RoadClass | undefined {
  if (!highway) return undefined;
  const base = highway.endsWith('_link') ? highway.slice(0, -'_link'.length) : highway;
  if (base === 'road') return 'unclassified'; // OSM "road": class not yet known, drivable.
  return isRoadClass(base) ? base : undefined;
}
