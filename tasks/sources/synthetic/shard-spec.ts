/**
 * A shard of synthetic collection: one city × one time range × a sample count.
 *
 * Shards are the collection job's unit of work and its unit of idempotence: the same spec always yields the
 * same samples, so a retried shard rewrites exactly what the first attempt wrote. Validated once here; the
 * generator trusts the compiled form.
 */
import { z } from 'zod';
import { type CityProfile, cityProfile, cityProfileSchema } from '../../traffic/cities.ts';
import type { RoadNetwork, RoadSegment } from '../../traffic/road-network.ts';
import { DEFAULT_SYNTHETIC_SEGMENTS } from './network.ts';
import { formatZodIssues } from '../../../cluster/common/index.ts';
import { registerTrafficErrors, TrafficError } from '../../traffic/errors.ts';

export interface ShardSpec {
  /** Seed of the whole collection; any 32-bit integer. */
  seed: number;
  /** A key of `CITY_PROFILES` (`berlin`) or a full profile for a city of your own. */
  city: string | CityProfile;
  /** Start of the range, inclusive: ms since the epoch, an ISO 8601 string, or a Date. */
  from: number | string | Date;
  /** End of the range, exclusive. */
  to: number | string | Date;
  /** Exact number of samples the shard yields. */
  samples: number;
  /** Road segments to read; when absent a synthetic network for the city is used. */
  segments?: RoadNetwork | readonly RoadSegment[];
  /**
   * Size of the synthetic network when `segments` is absent.
   * @default 2000
   */
  syntheticSegments?: number;
}

export interface CompiledShardSpec {
  seed: number;
  profile: CityProfile;
  fromMs: number;
  toMs: number;
  samples: number;
  segments?: readonly RoadSegment[];
  syntheticSegments: number;
}

export class InvalidShardSpecError extends TrafficError {
  override readonly name = 'InvalidShardSpecError';
  constructor(
    readonly issues: string[],
    options?: { cause?: unknown },
  ) {
    super(`invalid synthetic shard spec: ${issues.join('; ')}`, options);
  }
}

const instant = z.union([z.number().finite(), z.string().min(1), z.date()]).transform((v, ctx) => {
  const ms = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: `"${String(v)}" is not a date (use ms since the epoch or ISO 8601)` });
    return z.NEVER;
  }
  return ms;
});

const specSchema = z
  .object({
    seed: z.number().int(),
    city: z.union([z.string().min(1), z.object({ key: z.string().min(1) }).passthrough()]),
    from: instant,
    to: instant,
    samples: z.number().int().positive().max(2 ** 31 - 1),
    segments: z.any().optional(),
    syntheticSegments: z.number().int().positive().max(10_000_000).default(DEFAULT_SYNTHETIC_SEGMENTS),
  })
  .refine((s) => s.to > s.from, { message: '`to` must be after `from`', path: ['to'] });

export function compileShardSpec(spec: ShardSpec): CompiledShardSpec {
  const parsed = specSchema.safeParse(spec);
  if (!parsed.success) {
    throw new InvalidShardSpecError(formatZodIssues(parsed.error.issues, { root: 'spec' }));
  }
  const s = parsed.data;
  let profile: CityProfile;
  if (typeof spec.city === 'string') {
    profile = cityProfile(spec.city);
  } else {
    const p = cityProfileSchema.safeParse(spec.city);
    if (!p.success) throw new InvalidShardSpecError(formatZodIssues(p.error.issues, { prefix: 'city.' }));
    profile = spec.city;
  }
  let segments: readonly RoadSegment[] | undefined;
  if (spec.segments !== undefined) {
    segments = Array.isArray(spec.segments) ? spec.segments : (spec.segments as RoadNetwork).segments;
    if (!Array.isArray(segments) || segments.length === 0) {
      throw new InvalidShardSpecError(['segments: expected a non-empty RoadNetwork or RoadSegment[]']);
    }
  }
  return { seed: s.seed | 0, profile, fromMs: s.from, toMs: s.to, samples: s.samples, segments, syntheticSegments: s.syntheticSegments };
}

registerTrafficErrors(InvalidShardSpecError);
