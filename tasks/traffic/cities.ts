/**
 * The 20 cities the synthetic source models, each with the traffic characteristics that shape its samples.
 *
 * Numbers are plausible, not measured: rush-hour times follow local working hours (Madrid and Mexico City
 * run late, Tokyo and Beijing early), congestion levels follow the ranking of public congestion indices
 * (Istanbul, Mumbai, Mexico City, Moscow and Bangkok high; Sydney, Berlin and Madrid lower), weekends follow
 * local custom (Friday–Saturday in Cairo), and wet-hour fractions follow climate (London and Bangkok wet,
 * Dubai and Cairo dry). They give a model something realistic to learn; they are not ground truth.
 */
import { z } from 'zod';
import { ROAD_CLASSES, type RoadClass } from './road-classes.ts';
import { registerTrafficErrors, TrafficError } from './errors.ts';

export interface RushHourShape {
  /** Local hour of the morning peak (fractional: 7.75 = 07:45). */
  morningPeak: number;
  /** Width of the morning peak, hours (standard deviation of a Gaussian bump). */
  morningWidth: number;
  /** Demand added at the morning peak, on a scale where 1 is the city's worst weekday hour. */
  morningStrength: number;
  eveningPeak: number;
  eveningWidth: number;
  eveningStrength: number;
  /** Demand between the peaks (shopping, deliveries), same scale. */
  midday: number;
  /** Demand in the small hours, same scale. */
  night: number;
}

export interface CityProfile {
  /** Lower-case ASCII key, the value of the `city` column. */
  key: string;
  name: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  /** IANA time zone: `hour` and `day_of_week` are local to it. */
  timeZone: string;
  center: { lat: number; lon: number };
  /** Radius of the area synthetic segments are spread over, km. */
  radiusKm: number;
  /** Typical free-flow speed per road class, km/h. */
  freeFlowKmh: Readonly<Record<RoadClass, number>>;
  rushHour: RushHourShape;
  weekend: {
    /** ISO days (1 = Monday … 7 = Sunday) with weekend traffic. */
    days: readonly number[];
    /** Peak weekend demand relative to the weekday peak (0.5 = half). */
    level: number;
    /** Local hour of the weekend peak (leisure traffic peaks around midday or afternoon). */
    peakHour: number;
  };
  seasonal: {
    /** Fractional swing of demand over the year (0.08 = ±8 %). */
    amplitude: number;
    /** Month (1–12) with the least traffic, usually the summer holidays. */
    lowMonth: number;
  };
  weather: {
    /** Fraction of hours with rain or snow. */
    wetFraction: number;
    /** Speed lost in the heaviest rain, fraction of free-flow (0.15 = 15 % slower). */
    slowdown: number;
  };
  incidents: {
    /** Expected incidents per segment per day. */
    perSegmentPerDay: number;
    /** Mean time until an incident is cleared, minutes. */
    meanDurationMin: number;
    /** Mean speed lost while it lasts, fraction of the current speed. */
    severity: number;
    /** Time constant of the recovery after clearing, minutes. */
    recoveryMin: number;
  };
  /** Congestion (1 − current/free-flow) on a sensitive road at full demand: the city's "traffic index". */
  congestionLevel: number;
}

/** Builds per-class speeds from three anchor speeds so each profile stays one line. */
function speeds(motorway: number, primary: number, residential: number): Record<RoadClass, number> {
  return {
    motorway,
    trunk: Math.round((motorway + primary) / 2),
    primary,
    secondary: Math.round(primary * 0.88),
    tertiary: Math.round((primary + residential) / 2),
    unclassified: Math.round(residential * 1.1),
    residential,
    living_street: 12,
    service: 18,
  };
}

function rush(
  morningPeak: number,
  eveningPeak: number,
  morningStrength: number,
  eveningStrength: number,
  midday: number,
  night = 0.05,
  morningWidth = 1.1,
  eveningWidth = 1.4,
): RushHourShape {
  return { morningPeak, morningWidth, morningStrength, eveningPeak, eveningWidth, eveningStrength, midday, night };
}

const SAT_SUN = [6, 7] as const;
const FRI_SAT = [5, 6] as const;

type ProfileInput = Omit<CityProfile, 'incidents'> & { incidents?: Partial<CityProfile['incidents']> };

const DEFAULT_INCIDENTS: CityProfile['incidents'] = {
  perSegmentPerDay: 0.02,
  meanDurationMin: 45,
  severity: 0.5,
  recoveryMin: 20,
};

function city(p: ProfileInput): CityProfile {
  return { ...p, incidents: { ...DEFAULT_INCIDENTS, ...p.incidents } };
}

export const CITY_PROFILES: readonly CityProfile[] = [
  city({ key: 'new_york', name: 'New York', country: 'US', timeZone: 'America/New_York', center: { lat: 40.7128, lon: -74.006 }, radiusKm: 20, freeFlowKmh: speeds(88, 48, 35), rushHour: rush(8, 17.5, 0.9, 1, 0.55), weekend: { days: SAT_SUN, level: 0.6, peakHour: 14 }, seasonal: { amplitude: 0.06, lowMonth: 8 }, weather: { wetFraction: 0.1, slowdown: 0.15 }, congestionLevel: 0.6 }),
  city({ key: 'los_angeles', name: 'Los Angeles', country: 'US', timeZone: 'America/Los_Angeles', center: { lat: 34.0522, lon: -118.2437 }, radiusKm: 30, freeFlowKmh: speeds(105, 60, 40), rushHour: rush(7.75, 17.25, 0.95, 1, 0.6, 0.06, 1.3, 1.7), weekend: { days: SAT_SUN, level: 0.55, peakHour: 14 }, seasonal: { amplitude: 0.04, lowMonth: 8 }, weather: { wetFraction: 0.03, slowdown: 0.2 }, congestionLevel: 0.62 }),
  city({ key: 'chicago', name: 'Chicago', country: 'US', timeZone: 'America/Chicago', center: { lat: 41.8781, lon: -87.6298 }, radiusKm: 20, freeFlowKmh: speeds(100, 55, 40), rushHour: rush(7.75, 17, 0.9, 1, 0.5), weekend: { days: SAT_SUN, level: 0.55, peakHour: 14 }, seasonal: { amplitude: 0.07, lowMonth: 1 }, weather: { wetFraction: 0.12, slowdown: 0.22 }, congestionLevel: 0.52 }),
  city({ key: 'toronto', name: 'Toronto', country: 'CA', timeZone: 'America/Toronto', center: { lat: 43.6532, lon: -79.3832 }, radiusKm: 18, freeFlowKmh: speeds(100, 55, 40), rushHour: rush(8, 17.25, 0.95, 1, 0.55), weekend: { days: SAT_SUN, level: 0.55, peakHour: 14 }, seasonal: { amplitude: 0.07, lowMonth: 8 }, weather: { wetFraction: 0.13, slowdown: 0.22 }, congestionLevel: 0.6 }),
  city({ key: 'mexico_city', name: 'Mexico City', country: 'MX', timeZone: 'America/Mexico_City', center: { lat: 19.4326, lon: -99.1332 }, radiusKm: 20, freeFlowKmh: speeds(80, 50, 30), rushHour: rush(8, 19, 0.9, 1, 0.7, 0.08, 1.3, 1.8), weekend: { days: SAT_SUN, level: 0.7, peakHour: 15 }, seasonal: { amplitude: 0.05, lowMonth: 12 }, weather: { wetFraction: 0.14, slowdown: 0.2 }, congestionLevel: 0.72, incidents: { perSegmentPerDay: 0.03 } }),
  city({ key: 'sao_paulo', name: 'São Paulo', country: 'BR', timeZone: 'America/Sao_Paulo', center: { lat: -23.5505, lon: -46.6333 }, radiusKm: 22, freeFlowKmh: speeds(90, 50, 30), rushHour: rush(8, 18.5, 0.85, 1, 0.55, 0.06, 1.2, 1.6), weekend: { days: SAT_SUN, level: 0.5, peakHour: 15 }, seasonal: { amplitude: 0.06, lowMonth: 1 }, weather: { wetFraction: 0.18, slowdown: 0.2 }, congestionLevel: 0.65 }),
  city({ key: 'london', name: 'London', country: 'GB', timeZone: 'Europe/London', center: { lat: 51.5074, lon: -0.1278 }, radiusKm: 18, freeFlowKmh: speeds(100, 40, 28), rushHour: rush(8, 17.5, 0.95, 1, 0.7), weekend: { days: SAT_SUN, level: 0.7, peakHour: 13 }, seasonal: { amplitude: 0.06, lowMonth: 8 }, weather: { wetFraction: 0.2, slowdown: 0.12 }, congestionLevel: 0.7 }),
  city({ key: 'paris', name: 'Paris', country: 'FR', timeZone: 'Europe/Paris', center: { lat: 48.8566, lon: 2.3522 }, radiusKm: 15, freeFlowKmh: speeds(90, 45, 30), rushHour: rush(8.5, 18, 0.9, 1, 0.6), weekend: { days: SAT_SUN, level: 0.6, peakHour: 16 }, seasonal: { amplitude: 0.12, lowMonth: 8 }, weather: { wetFraction: 0.14, slowdown: 0.12 }, congestionLevel: 0.62 }),
  city({ key: 'berlin', name: 'Berlin', country: 'DE', timeZone: 'Europe/Berlin', center: { lat: 52.52, lon: 13.405 }, radiusKm: 18, freeFlowKmh: speeds(100, 50, 30), rushHour: rush(7.5, 16.75, 0.9, 1, 0.5), weekend: { days: SAT_SUN, level: 0.5, peakHour: 14 }, seasonal: { amplitude: 0.08, lowMonth: 7 }, weather: { wetFraction: 0.13, slowdown: 0.12 }, congestionLevel: 0.45 }),
  city({ key: 'madrid', name: 'Madrid', country: 'ES', timeZone: 'Europe/Madrid', center: { lat: 40.4168, lon: -3.7038 }, radiusKm: 16, freeFlowKmh: speeds(95, 50, 30), rushHour: rush(8.75, 19, 0.9, 1, 0.55, 0.08), weekend: { days: SAT_SUN, level: 0.55, peakHour: 13.5 }, seasonal: { amplitude: 0.14, lowMonth: 8 }, weather: { wetFraction: 0.06, slowdown: 0.15 }, congestionLevel: 0.45 }),
  city({ key: 'rome', name: 'Rome', country: 'IT', timeZone: 'Europe/Rome', center: { lat: 41.9028, lon: 12.4964 }, radiusKm: 16, freeFlowKmh: speeds(95, 50, 30), rushHour: rush(8.25, 18.25, 0.95, 1, 0.6), weekend: { days: SAT_SUN, level: 0.55, peakHour: 12 }, seasonal: { amplitude: 0.14, lowMonth: 8 }, weather: { wetFraction: 0.09, slowdown: 0.15 }, congestionLevel: 0.6 }),
  city({ key: 'istanbul', name: 'Istanbul', country: 'TR', timeZone: 'Europe/Istanbul', center: { lat: 41.0082, lon: 28.9784 }, radiusKm: 25, freeFlowKmh: speeds(90, 50, 30), rushHour: rush(8, 18, 0.95, 1, 0.75, 0.1, 1.3, 2), weekend: { days: SAT_SUN, level: 0.75, peakHour: 15 }, seasonal: { amplitude: 0.06, lowMonth: 8 }, weather: { wetFraction: 0.12, slowdown: 0.15 }, congestionLevel: 0.8, incidents: { perSegmentPerDay: 0.03 } }),
  city({ key: 'moscow', name: 'Moscow', country: 'RU', timeZone: 'Europe/Moscow', center: { lat: 55.7558, lon: 37.6173 }, radiusKm: 25, freeFlowKmh: speeds(90, 55, 35), rushHour: rush(8.5, 18.5, 0.95, 1, 0.65, 0.08, 1.2, 1.6), weekend: { days: SAT_SUN, level: 0.55, peakHour: 15 }, seasonal: { amplitude: 0.08, lowMonth: 7 }, weather: { wetFraction: 0.16, slowdown: 0.2 }, congestionLevel: 0.72 }),
  city({ key: 'cairo', name: 'Cairo', country: 'EG', timeZone: 'Africa/Cairo', center: { lat: 30.0444, lon: 31.2357 }, radiusKm: 20, freeFlowKmh: speeds(80, 50, 30), rushHour: rush(8.5, 15.5, 0.9, 1, 0.75, 0.15, 1.3, 2.5), weekend: { days: FRI_SAT, level: 0.6, peakHour: 20 }, seasonal: { amplitude: 0.05, lowMonth: 8 }, weather: { wetFraction: 0.01, slowdown: 0.15 }, congestionLevel: 0.68, incidents: { perSegmentPerDay: 0.03 } }),
  city({ key: 'dubai', name: 'Dubai', country: 'AE', timeZone: 'Asia/Dubai', center: { lat: 25.2048, lon: 55.2708 }, radiusKm: 25, freeFlowKmh: speeds(110, 70, 40), rushHour: rush(7.75, 18, 0.9, 1, 0.45, 0.08), weekend: { days: SAT_SUN, level: 0.55, peakHour: 19 }, seasonal: { amplitude: 0.1, lowMonth: 8 }, weather: { wetFraction: 0.01, slowdown: 0.2 }, congestionLevel: 0.5 }),
  city({ key: 'mumbai', name: 'Mumbai', country: 'IN', timeZone: 'Asia/Kolkata', center: { lat: 19.076, lon: 72.8777 }, radiusKm: 18, freeFlowKmh: speeds(70, 40, 25), rushHour: rush(9.75, 19, 0.9, 1, 0.8, 0.12, 1.4, 2), weekend: { days: [7], level: 0.65, peakHour: 18 }, seasonal: { amplitude: 0.1, lowMonth: 7 }, weather: { wetFraction: 0.22, slowdown: 0.3 }, congestionLevel: 0.8, incidents: { perSegmentPerDay: 0.035 } }),
  city({ key: 'bangkok', name: 'Bangkok', country: 'TH', timeZone: 'Asia/Bangkok', center: { lat: 13.7563, lon: 100.5018 }, radiusKm: 20, freeFlowKmh: speeds(90, 50, 30), rushHour: rush(8, 18, 0.95, 1, 0.7, 0.08, 1.2, 1.8), weekend: { days: SAT_SUN, level: 0.65, peakHour: 16 }, seasonal: { amplitude: 0.06, lowMonth: 4 }, weather: { wetFraction: 0.2, slowdown: 0.25 }, congestionLevel: 0.7 }),
  city({ key: 'beijing', name: 'Beijing', country: 'CN', timeZone: 'Asia/Shanghai', center: { lat: 39.9042, lon: 116.4074 }, radiusKm: 25, freeFlowKmh: speeds(90, 55, 35), rushHour: rush(7.75, 17.75, 1, 1, 0.6), weekend: { days: SAT_SUN, level: 0.6, peakHour: 15 }, seasonal: { amplitude: 0.08, lowMonth: 2 }, weather: { wetFraction: 0.08, slowdown: 0.18 }, congestionLevel: 0.6 }),
  city({ key: 'tokyo', name: 'Tokyo', country: 'JP', timeZone: 'Asia/Tokyo', center: { lat: 35.6762, lon: 139.6503 }, radiusKm: 20, freeFlowKmh: speeds(80, 45, 30), rushHour: rush(7.75, 17.75, 0.85, 0.9, 0.7), weekend: { days: SAT_SUN, level: 0.65, peakHour: 14 }, seasonal: { amplitude: 0.05, lowMonth: 8 }, weather: { wetFraction: 0.15, slowdown: 0.12 }, congestionLevel: 0.5 }),
  city({ key: 'sydney', name: 'Sydney', country: 'AU', timeZone: 'Australia/Sydney', center: { lat: -33.8688, lon: 151.2093 }, radiusKm: 22, freeFlowKmh: speeds(100, 60, 40), rushHour: rush(8, 17.25, 0.95, 1, 0.5), weekend: { days: SAT_SUN, level: 0.55, peakHour: 12.5 }, seasonal: { amplitude: 0.08, lowMonth: 1 }, weather: { wetFraction: 0.1, slowdown: 0.15 }, congestionLevel: 0.48 }),
];

export const CITY_KEYS: readonly string[] = CITY_PROFILES.map((c) => c.key);

const byKey = new Map(CITY_PROFILES.map((c) => [c.key, c]));

export class UnknownCityError extends TrafficError {
  override readonly name = 'UnknownCityError';
  constructor(readonly city: string) {
    super(`unknown city "${city}": use one of ${CITY_KEYS.join(', ')}, or pass a CityProfile`);
  }
}

/** The profile for a city key; throws `UnknownCityError` naming the valid keys. */
export function cityProfile(key: string): CityProfile {
  const p = byKey.get(key);
  if (!p) throw new UnknownCityError(key);
  return p;
}

const num = z.number().finite();
const unitInterval = z.number().min(0).max(1);

/** Validates a caller-supplied profile (a city of your own) so a typo fails here, not as NaN speeds. */
export const cityProfileSchema = z.object({
  key: z.string().regex(/^[a-z0-9_]+$/, 'use lower-case ASCII letters, digits and _'),
  name: z.string().min(1),
  country: z.string().length(2),
  timeZone: z.string().min(1),
  center: z.object({ lat: num.min(-90).max(90), lon: num.min(-180).max(180) }),
  radiusKm: num.positive(),
  freeFlowKmh: z.object(Object.fromEntries(ROAD_CLASSES.map((c) => [c, num.positive()])) as Record<RoadClass, z.ZodNumber>),
  rushHour: z.object({
    morningPeak: num.min(0).max(24),
    morningWidth: num.positive(),
    morningStrength: num.min(0),
    eveningPeak: num.min(0).max(24),
    eveningWidth: num.positive(),
    eveningStrength: num.min(0),
    midday: num.min(0),
    night: num.min(0),
  }),
  weekend: z.object({ days: z.array(z.number().int().min(1).max(7)), level: num.min(0), peakHour: num.min(0).max(24) }),
  seasonal: z.object({ amplitude: unitInterval, lowMonth: z.number().int().min(1).max(12) }),
  weather: z.object({ wetFraction: z.number().gt(0).max(1), slowdown: unitInterval }),
  incidents: z.object({ perSegmentPerDay: num.min(0), meanDurationMin: num.positive(), severity: unitInterval, recoveryMin: num.positive() }),
  congestionLevel: unitInterval,
});

registerTrafficErrors(UnknownCityError);
