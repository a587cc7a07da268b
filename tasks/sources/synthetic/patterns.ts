/**
 * The shapes behind synthetic traffic: demand by local time of week, the season, weather and incidents.
 *
 * Each is a pure function of a city profile and a hash seed, evaluated into small tables once per shard so
 * the per-sample loop only indexes arrays. Demand is on a scale where 1 is the city's worst weekday
 * five minutes; congestion then follows from demand, the road's sensitivity and the city's level.
 */
import type { CityProfile } from '../../traffic/cities.ts';
import { DAY_MS, HOUR_MS } from '../../traffic/local-time.ts';
import type { RoadClass } from '../../traffic/road-classes.ts';
import { mix, unit } from './hash.ts';

export const BINS_PER_DAY = 288; // five-minute bins
export const BIN_MS = DAY_MS / BINS_PER_DAY;

/**
 * How much congestion a class picks up at a given demand: arterials and motorways jam at rush hour,
 * residential streets barely change. Values follow the usual ordering of speed-reduction ratios by class.
 */
export const CLASS_SENSITIVITY: Readonly<Record<RoadClass, number>> = {
  motorway: 1.0,
  trunk: 0.95,
  primary: 0.9,
  secondary: 0.78,
  tertiary: 0.62,
  unclassified: 0.45,
  residential: 0.35,
  living_street: 0.2,
  service: 0.25,
};

/** Probe density by class: more vehicles report on big roads, so providers' confidence is higher there. */
export const CLASS_PROBE_DENSITY: Readonly<Record<RoadClass, number>> = {
  motorway: 1.0,
  trunk: 0.95,
  primary: 0.9,
  secondary: 0.8,
  tertiary: 0.7,
  unclassified: 0.55,
  residential: 0.5,
  living_street: 0.35,
  service: 0.4,
};

const gauss = (x: number, mu: number, sigma: number) => Math.exp(-0.5 * ((x - mu) / sigma) ** 2);
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Weekday demand at local hour `h` (fractional), before normalisation. */
function weekdayDemand(p: CityProfile, h: number): number {
  const r = p.rushHour;
  const daytime = sigmoid((h - 6.5) * 1.6) * sigmoid((21.5 - h) * 1.1);
  // Peaks repeat across midnight so a late evening peak does not fall off a cliff at 24:00.
  const peak = (mu: number, w: number) => gauss(h, mu, w) + gauss(h, mu - 24, w) + gauss(h, mu + 24, w);
  return r.night + r.midday * daytime + r.morningStrength * peak(r.morningPeak, r.morningWidth) + r.eveningStrength * peak(r.eveningPeak, r.eveningWidth);
}

/** Weekend demand: one broad leisure peak, no commute. */
function weekendDemand(p: CityProfile, h: number): number {
  const r = p.rushHour;
  const mu = p.weekend.peakHour;
  return r.night + p.weekend.level * (gauss(h, mu, 3.8) + gauss(h, mu - 24, 3.8) + gauss(h, mu + 24, 3.8));
}

/**
 * Demand for every five-minute bin of the local week: index `(isoDay − 1) × 288 + bin`. Normalised so the
 * weekday maximum is 1; weekend values keep their level relative to it.
 */
export function demandTable(p: CityProfile): Float32Array {
  const table = new Float32Array(7 * BINS_PER_DAY);
  let weekdayMax = 0;
  for (let b = 0; b < BINS_PER_DAY; b++) weekdayMax = Math.max(weekdayMax, weekdayDemand(p, (b + 0.5) / 12));
  const weekend = new Set(p.weekend.days);
  for (let day = 1; day <= 7; day++) {
    for (let b = 0; b < BINS_PER_DAY; b++) {
      const h = (b + 0.5) / 12;
      const v = weekend.has(day) ? weekendDemand(p, h) : weekdayDemand(p, h);
      table[(day - 1) * BINS_PER_DAY + b] = v / weekdayMax;
    }
  }
  return table;
}

/** Seasonal demand multiplier for a local calendar day: lowest in the middle of `lowMonth`. */
export function seasonalFactor(p: CityProfile, localMs: number): number {
  const d = new Date(localMs);
  const startOfYear = Date.UTC(d.getUTCFullYear(), 0, 1);
  const dayOfYear = (localMs - startOfYear) / DAY_MS;
  const lowDay = (p.seasonal.lowMonth - 0.5) * (365.25 / 12);
  return 1 - p.seasonal.amplitude * Math.cos((2 * Math.PI * (dayOfYear - lowDay)) / 365.25);
}

const WEATHER_KNOT_HOURS = 3;

/**
 * Wetness in [0, 1] for the UTC hour `hourIndex` (hours since the epoch): smooth value noise with knots
 * every three hours, thresholded so about `wetFraction` of hours are wet. Keyed by absolute hour, so every
 * shard of a city sees the same weather at the same time.
 */
export function wetness(citySeed: number, wetFraction: number, hourIndex: number): number {
  const k = Math.floor(hourIndex / WEATHER_KNOT_HOURS);
  const f = (hourIndex - k * WEATHER_KNOT_HOURS) / WEATHER_KNOT_HOURS;
  const a = unit(mix(citySeed, k));
  const b = unit(mix(citySeed, k + 1));
  const s = f * f * (3 - 2 * f);
  const v = a + (b - a) * s;
  const threshold = 1 - wetFraction;
  return v <= threshold ? 0 : (v - threshold) / wetFraction;
}

/** Length of the window each segment draws at most one incident in. */
export const INCIDENT_WINDOW_MS = 6 * HOUR_MS;

/**
 * Fraction of speed lost to incidents on a segment at `utcMs`. Each segment draws at most one incident per
 * six-hour window (start, duration and severity hashed from the segment and window); while it lasts the
 * segment loses `severity`, after clearing the loss decays exponentially. The previous window is checked too,
 * so an incident late in one window keeps hurting into the next.
 */
export function incidentLoss(segSeed: number, utcMs: number, p: CityProfile['incidents']): number {
  const w = Math.floor(utcMs / INCIDENT_WINDOW_MS);
  const probability = p.perSegmentPerDay * (INCIDENT_WINDOW_MS / DAY_MS);
  let loss = 0;
  for (let k = w - 1; k <= w; k++) {
    const h = mix(segSeed, k);
    if (unit(h) >= probability) continue;
    const start = k * INCIDENT_WINDOW_MS + unit(mix(h, 1)) * INCIDENT_WINDOW_MS;
    if (utcMs < start) continue;
    const duration = p.meanDurationMin * 60_000 * (0.3 + 1.4 * unit(mix(h, 2)));
    const severity = Math.min(0.95, p.severity * (0.5 + unit(mix(h, 3))));
    const end = start + duration;
    const l = utcMs < end ? severity : severity * Math.exp(-(utcMs - end) / (p.recoveryMin * 60_000));
    if (l > loss) loss = l;
  }
  return loss;
}
