/**
 * Validation of provider bodies with zod, turned into `MalformedResponseError`s that name the field.
 */
import type { z } from 'zod';
import { MalformedResponseError, type ProviderName } from '../errors.ts';

export function parseBody<S extends z.ZodType>(schema: S, body: unknown, provider: ProviderName, url: string): z.infer<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.length ? issue.path.map(String).join('.') : 'body';
  throw new MalformedResponseError(provider, field, url, `is invalid: ${issue.message}`);
}

/** `lat,lon` rounded to 5 decimals (about 1 m): stable ids for provider segments that have none. */
export function coordKey(lat: number, lon: number): string {
  return `${lat.toFixed(5)},${lon.toFixed(5)}`;
}
