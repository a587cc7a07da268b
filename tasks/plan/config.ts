/**
 * `convoy plan --config FILE`: the user's own prices, quotas and rates, as JSON. Every key is checked (zod,
 * strict), and an error names the key by its path and, for a key that does not exist, lists the valid ones.
 *
 * ```json
 * {
 *   "cpus": 16, "keys": 2,
 *   "synthetic": { "samplesPerCpuSecond": 600000 },
 *   "tomtom": { "ratePerSecond": 10, "free": { "window": "month", "requests": 75000 },
 *               "tiers": [{ "upTo": 1000000, "usdPer1000": 0.5 }, { "upTo": null, "usdPer1000": 0.4 }],
 *               "pricing": "graduated", "monthlyCap": null, "samplesPerRequest": 1 }
 * }
 * ```
 * `null` for `upTo` or `monthlyCap` means no upper bound.
 */
import { z } from 'zod';
import type { PriceTier } from '../sources/providers/catalog.ts';
import type { CatalogOverrides } from './plan.ts';
import { PROVIDER_NAMES, type ProviderSourceName } from '../traffic/source-names.ts';
import { registerTrafficErrors, TrafficError } from '../traffic/errors.ts';

const tierSchema = z.strictObject({
  /** Billable requests per key and month up to which the price applies; null: all the rest. */
  upTo: z.number().positive().nullable(),
  usdPer1000: z.number().min(0),
});

export const tiersSchema = z
  .array(tierSchema)
  .min(1)
  .superRefine((tiers, ctx) => {
    tiers.forEach((t, i) => {
      const prev = tiers[i - 1]?.upTo;
      if (i > 0 && (prev === null || prev === undefined || (t.upTo !== null && t.upTo <= prev))) {
        ctx.addIssue({ code: 'custom', path: [i, 'upTo'], message: 'tiers must go up: each upTo above the last, and only the last may be null' });
      }
    });
  });

const providerSchema = z.strictObject({
  /** Requests per second one key may send. */
  ratePerSecond: z.number().positive().optional(),
  /** Free requests per key and window. */
  free: z.strictObject({ window: z.enum(['day', 'month']), requests: z.number().int().min(0) }).optional(),
  /** Prices past the free requests, by billable requests per key and month. */
  tiers: tiersSchema.optional(),
  pricing: z.enum(['graduated', 'volume']).optional(),
  /** Requests per key and month the plan covers; null: no limit. */
  monthlyCap: z.number().positive().nullable().optional(),
  samplesPerRequest: z.number().positive().optional(),
});

const configSchema = z.strictObject({
  cpus: z.number().int().positive().optional(),
  keys: z.number().int().positive().optional(),
  synthetic: z.strictObject({ samplesPerCpuSecond: z.number().positive() }).optional(),
  tomtom: providerSchema.optional(),
  here: providerSchema.optional(),
  mapbox: providerSchema.optional(),
});

export interface PlanConfig {
  cpus?: number;
  keys?: number;
  syntheticSamplesPerCpuSecond?: number;
  catalog: Partial<Record<ProviderSourceName, CatalogOverrides>>;
}

export class PlanConfigError extends TrafficError {
  override readonly name = 'PlanConfigError';
}

/** The keys an object at `path` may have, for "unknown key" errors. */
function validKeys(path: readonly PropertyKey[]): string[] {
  const names = path.filter((p) => typeof p === 'string') as string[];
  if (names.length === 0) return Object.keys(configSchema.shape);
  if (names[0] === 'synthetic') return ['samplesPerCpuSecond'];
  if (names.length === 1) return Object.keys(providerSchema.shape);
  if (names[1] === 'free') return ['window', 'requests'];
  if (names[1] === 'tiers') return ['upTo', 'usdPer1000'];
  return [];
}

export function tiersFrom(tiers: readonly { upTo: number | null; usdPer1000: number }[]): PriceTier[] {
  return tiers.map((t) => ({ upTo: t.upTo ?? Infinity, usdPer1000: t.usdPer1000 }));
}

/** Parses a config file's text; `file` names it in errors. */
export function parsePlanConfig(text: string, file: string): PlanConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PlanConfigError(`${file} is not JSON: ${(err as Error).message}`);
  }
  const r = configSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    const where = i.path.map((p, n) => (typeof p === 'number' ? `[${p}]` : `${n ? '.' : ''}${String(p)}`)).join('');
    if (i.code === 'unrecognized_keys') {
      throw new PlanConfigError(`${file}: ${where ? `${where}: ` : ''}unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')} (valid: ${validKeys(i.path).join(', ')})`);
    }
    throw new PlanConfigError(`${file}: ${where || '(top level)'}: ${i.message}`);
  }
  const c = r.data;
  const catalog: PlanConfig['catalog'] = {};
  for (const source of PROVIDER_NAMES) {
    const p = c[source];
    if (!p) continue;
    catalog[source] = {
      ...(p.ratePerSecond !== undefined ? { ratePerSecond: p.ratePerSecond } : {}),
      ...(p.free ? { free: p.free } : {}),
      ...(p.tiers ? { tiers: tiersFrom(p.tiers) } : {}),
      ...(p.pricing ? { pricing: p.pricing } : {}),
      ...(p.monthlyCap !== undefined ? { monthlyCap: p.monthlyCap ?? Infinity } : {}),
      ...(p.samplesPerRequest !== undefined ? { samplesPerRequest: p.samplesPerRequest } : {}),
    };
  }
  return {
    ...(c.cpus !== undefined ? { cpus: c.cpus } : {}),
    ...(c.keys !== undefined ? { keys: c.keys } : {}),
    ...(c.synthetic ? { syntheticSamplesPerCpuSecond: c.synthetic.samplesPerCpuSecond } : {}),
    catalog,
  };
}

registerTrafficErrors(PlanConfigError);
