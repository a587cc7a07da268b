/**
 * Local hour and ISO day of week for a provider reading, in the request's city time zone.
 */
import { cityProfile } from '../../traffic/cities.ts';
import { isoDayOfWeekOf, localHourOf, utcOffsetMs } from '../../traffic/local-time.ts';

export interface CityRef {
  /** City key for the `city` column; its profile supplies the time zone unless `timeZone` is given. */
  city: string;
  /** IANA time zone, required for a city that is not one of the 20 profiles. */
  timeZone?: string;
}

export function timeZoneOf(ref: CityRef): string {
  return ref.timeZone ?? cityProfile(ref.city).timeZone;
}

export function localClock(ref: CityRef, utcMs: number): { hour: number; dayOfWeek: number } {
  const local = utcMs + utcOffsetMs(timeZoneOf(ref), utcMs);
  return { hour: localHourOf(local), dayOfWeek: isoDayOfWeekOf(local) };
}
