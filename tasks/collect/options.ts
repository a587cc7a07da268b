/**
 * The collection job's options: given (what a caller passes), checked and defaulted here once, before anything
 * starts, so that a bad city, date, target, source or lake location is reported at once and by name
 * (`CollectOptionsError.issues`, which the CLI turns into flag names) instead of after the cluster is up.
 */
import { z } from 'zod';
import { openStorage } from '../../cluster/storage/index.ts';
import { CITY_KEYS, UnknownCityError, cityProfile } from '../traffic/cities.ts';
import { parseInstant } from '../traffic/instant.ts';
import { SOURCE_NAMES } from '../traffic/source-names.ts';
import { registerTrafficErrors, TrafficError } from '../traffic/errors.ts';


const instant = z.union([z.number(), z.string().min(1)]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const r = parseInstant(v);
  if ('error' in r) {
    ctx.addIssue({ code: 'custom', message: r.error });
    return z.NEVER;
  }
  return r.ms;
});

export const collectOptionsSchema = z
  .object({
    /** Where samples come from. */
    source: z.enum(SOURCE_NAMES, { error: (i) => `must be one of ${SOURCE_NAMES.join(', ')}, got ${JSON.stringify(i.input)}` }),
    /** City keys (see tasks/traffic/cities.ts), or 'all' for the 20 built-in cities. */
    cities: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)], { error: "give city keys, or 'all'" }),
    /** First day, inclusive (YYYY-MM-DD, UTC). */
    from: instant,
    /** Last instant, exclusive (YYYY-MM-DD means that day's midnight, UTC). */
    to: instant,
    /** Samples to collect in all. */
    target: z.number({ error: 'must be a positive whole number' }).int('must be a whole number').positive('must be positive'),
    /** Lake location: a folder or s3://bucket/prefix. */
    lake: z.string().min(1, 'give a folder or s3://bucket/prefix'),
    /** @default 1 */
    seed: z.number().int().default(1),
    /** Samples per shard (synthetic), or requests per shard (providers). @default 500000 / 100 */
    shardSamples: z.number().int().positive().optional(),
    /** OSM extract per city, e.g. `{ helsinki: 'helsinki.osm.pbf' }` (a path the workers can read). */
    osm: z.record(z.string(), z.string()).optional(),
    /** Provider settings (base URL, secrets file, quota) for tomtom/here/mapbox. */
    provider: z
      .object({
        baseUrl: z.url().optional(),
        secretsFile: z.string().optional(),
        ledgerPath: z.string().optional(),
        quota: z.object({ perDay: z.number().int().positive().optional(), perMonth: z.number().int().positive().optional() }).optional(),
      })
      .optional(),
    /** Retries of a shard whose worker died. @default 3 */
    maxRetries: z.number().int().min(0).default(3),
    /** S3 settings for s3:// lakes (endpoint, region, credentials). */
    s3: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((o) => o.to > o.from, { message: 'must be after `from` (the range is [from, to): to is exclusive)', path: ['to'] });

export type CollectOptions = z.input<typeof collectOptionsSchema>;
export type ParsedCollectOptions = ReturnType<typeof parseCollectOptions>;

/** Options that cannot run, each naming the option (`from`, `cities`, `provider.baseUrl`, …) and the problem. */
export class CollectOptionsError extends TrafficError {
  override readonly name = 'CollectOptionsError';
  constructor(readonly issues: { option: string; message: string }[]) {
    super(`invalid collect options: ${issues.map((i) => `${i.option}: ${i.message}`).join('; ')}`);
  }
}

export function parseCollectOptions(given: CollectOptions) {
  const r = collectOptionsSchema.safeParse(given);
  if (!r.success) throw new CollectOptionsError(r.error.issues.map((i) => ({ option: i.path.join('.') || 'options', message: i.message })));
  const o = r.data;
  const cities = o.cities === 'all' ? [...CITY_KEYS] : o.cities;
  const issues: { option: string; message: string }[] = [];
  for (const c of cities) {
    try {
      cityProfile(c);
    } catch (err) {
      if (!(err instanceof UnknownCityError)) throw err;
      issues.push({ option: 'cities', message: `unknown city "${c}": use one of ${CITY_KEYS.join(', ')}, or all` });
    }
  }
  for (const c of Object.keys(o.osm ?? {})) if (!cities.includes(c)) issues.push({ option: 'osm', message: `names ${c}, which is not among the cities collected` });
  try {
    // The location's form only (scheme, bucket, no credentials in the URL); nothing is read or written yet.
    void openStorage(o.lake, { s3: o.s3 as never }).close?.();
  } catch (err) {
    issues.push({ option: 'lake', message: (err as Error).message });
  }
  if (issues.length) throw new CollectOptionsError(issues);
  return { ...o, cities, shardSamples: o.shardSamples ?? (o.source === 'synthetic' ? 500_000 : 100) };
}

registerTrafficErrors(CollectOptionsError);
