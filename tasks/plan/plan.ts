/**
 * How long and how much: estimates for collecting N samples from each source, before any money is spent.
 *
 * Pure functions of their inputs. For an API, each key is limited by its rate, its free quota, and the volume
 * its price list covers; two scenarios are given: staying inside the free tier (slow, free) and paying for
 * what goes past it (as fast as the rate limit or the plan's monthly volume allows, whichever binds first,
 * billed by the provider's volume tiers). Workers do not speed an API collection up, keys do, and the
 * explanation says so. For the synthetic source the limit is the end-to-end throughput per CPU core, measured
 * by `npm run bench -- collect` (the default below) and overridable, since it depends on the machine.
 */
import { z } from 'zod';
import { DAYS_PER_MONTH, monthCostUsd, PROVIDER_CATALOG, type ProviderCatalogEntry } from '../sources/providers/catalog.ts';
import { formatCount, formatDuration, formatZodIssues } from '../../cluster/common/index.ts';
import { formatUsd } from './format.ts';
import { SOURCE_NAMES, type ProviderSourceName, type SourceName } from '../traffic/source-names.ts';
import { registerTrafficErrors, TrafficError } from '../traffic/errors.ts';

/** Counts in plans: targets are given as 1e9, so powers of ten read that way. */
const planCount = (n: number) => formatCount(n, { powersOfTen: true });


/**
 * Synthetic samples per second one CPU core generates, encodes and commits. `npm run bench -- collect`
 * measured 1.55M-1.58M samples/s end to end on the 2-core development VM (Node 20, 2026-11-27; README,
 * Benchmarks), i.e. 775k-790k per core; rounded down, and assumed to scale with cores.
 */
export const SYNTHETIC_SAMPLES_PER_CPU_SECOND = 750_000;

export type CatalogOverrides = Partial<Omit<ProviderCatalogEntry, 'name' | 'readOn' | 'sources' | 'caveat'>>;

export interface PlanInput {
  source: SourceName;
  /** Samples wanted. */
  target: number;
  /** CPU cores the cluster gives the collection (synthetic scales with them; an API does not). @default 1 */
  cpus?: number;
  /** API keys used side by side, each with its own rate limit, free quota and plan. @default 1 */
  keys?: number;
  /** Synthetic samples per second per CPU core. @default SYNTHETIC_SAMPLES_PER_CPU_SECOND */
  syntheticSamplesPerCpuSecond?: number;
  /** Overrides of the provider's catalog entry (rate, free tier, prices, monthly volume, samples per request). */
  catalog?: CatalogOverrides;
}

export interface Scenario {
  seconds: number;
  costUsd: number;
  limitedBy: string;
}

export interface CollectionPlan {
  source: SourceName;
  target: number;
  cpus: number;
  keys: number;
  /** API requests needed (0 for synthetic). */
  requests: number;
  samplesPerRequest: number;
  /** Inside the free tier only (APIs), or the single synthetic estimate. */
  free: Scenario;
  /** Paying for requests past the free tier (APIs only). */
  paid?: Scenario;
  /** The figures the plan used (APIs), after overrides. */
  catalog?: ProviderCatalogEntry;
  /** Human-readable lines, the first one the headline. */
  explanation: string[];
}

const inputSchema = z.object({
  source: z.enum(SOURCE_NAMES),
  target: z.number().positive().finite(),
  cpus: z.number().int().positive().default(1),
  keys: z.number().int().positive().default(1),
  syntheticSamplesPerCpuSecond: z.number().positive().finite().default(SYNTHETIC_SAMPLES_PER_CPU_SECOND),
  catalog: z.record(z.string(), z.unknown()).optional(),
});

export class InvalidPlanInputError extends TrafficError {
  override readonly name = 'InvalidPlanInputError';
  constructor(readonly issues: string[]) {
    super(`invalid plan input: ${issues.join('; ')}`);
  }
}

const DAY_S = 86_400;
const MONTH_S = DAYS_PER_MONTH * DAY_S;
const WINDOW_SECONDS = { day: DAY_S, month: MONTH_S } as const;
const NAMES: Record<ProviderSourceName, string> = { tomtom: 'TomTom', here: 'HERE', mapbox: 'Mapbox' };

export function planCollection(input: PlanInput): CollectionPlan {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) throw new InvalidPlanInputError(formatZodIssues(parsed.error.issues, { root: 'input' }));
  const { source, target, cpus, keys, syntheticSamplesPerCpuSecond } = parsed.data;

  if (source === 'synthetic') {
    const rate = syntheticSamplesPerCpuSecond * cpus;
    const seconds = target / rate;
    return {
      source,
      target,
      cpus,
      keys,
      requests: 0,
      samplesPerRequest: 0,
      free: { seconds, costUsd: 0, limitedBy: `throughput (${planCount(syntheticSamplesPerCpuSecond)} samples/s per CPU core)` },
      explanation: [
        `${planCount(target)} synthetic samples at ${planCount(syntheticSamplesPerCpuSecond)} samples/s per CPU core × ${cpus} core${cpus > 1 ? 's' : ''} would take ${formatDuration(seconds)}, at no cost.`,
      ],
    };
  }

  const entry: ProviderCatalogEntry = { ...PROVIDER_CATALOG[source], ...input.catalog, name: source };
  const name = NAMES[source];
  const requests = Math.ceil(target / entry.samplesPerRequest);
  const perKey = requests / keys;

  // Free tier only: each window gives each key `free.requests`, sent at the rate limit.
  const windowS = WINDOW_SECONDS[entry.free.window];
  const freePerWindow = entry.free.requests * keys;
  const fullWindows = Math.floor(requests / freePerWindow);
  const rest = requests - fullWindows * freePerWindow;
  const rate = entry.ratePerSecond * keys;
  const freeSeconds =
    freePerWindow === 0 ? Infinity : rest === 0 && fullWindows > 0 ? (fullWindows - 1) * windowS + freePerWindow / rate : fullWindows * windowS + rest / rate;
  const free: Scenario = {
    seconds: freeSeconds,
    costUsd: 0,
    limitedBy: freePerWindow === 0 ? 'no free tier' : `free quota (${planCount(entry.free.requests)} requests/${entry.free.window} per key)`,
  };

  // Paying: each key sends at its rate limit, but no more in a month than its plan covers.
  const atRate = entry.ratePerSecond * MONTH_S;
  const perMonth = Math.min(atRate, entry.monthlyCap);
  const capBound = entry.monthlyCap < atRate;
  const paidSeconds = (perKey / perMonth) * MONTH_S;
  const fullMonths = Math.floor(perKey / perMonth);
  const costUsd = keys * (fullMonths * monthCostUsd(entry, perMonth) + monthCostUsd(entry, perKey - fullMonths * perMonth));
  const paid: Scenario = {
    seconds: paidSeconds,
    costUsd,
    limitedBy: capBound
      ? `plan volume (${planCount(entry.monthlyCap)} requests/month per key on the published price list)`
      : `rate limit (${entry.ratePerSecond} requests/s per key)`,
  };

  const keyText = `${keys === 1 ? 'one' : planCount(keys)} ${name} key${keys > 1 ? 's' : ''}`;
  const explanation = [
    `${planCount(target)} samples from ${keyText} at ${planCount(entry.free.requests)} free requests/${entry.free.window} would take ${formatDuration(freeSeconds)}.`,
    `Paying past the free tier, ${keyText} would take ${formatDuration(paidSeconds)} and cost about ${formatUsd(costUsd)} (${planCount(requests)} requests, ${planCount(entry.samplesPerRequest)} sample${entry.samplesPerRequest === 1 ? '' : 's'} per request), limited by the ${paid.limitedBy}.`,
  ];
  if (capBound) {
    explanation.push(
      `At its rate limit (${entry.ratePerSecond} requests/s) a key could send ${planCount(atRate)} requests a month, past what the price list covers: more needs a contract with ${name} (--monthly-cap to plan with one).`,
    );
  }
  if (cpus > 1) explanation.push(`More CPUs do not speed this up: ${name} limits each key, so only more keys (or a bigger plan) do.`);
  explanation.push(`Figures read ${entry.readOn}: ${entry.sources.join('; ')}.`);
  if (entry.caveat) explanation.push(`Note: ${entry.caveat}.`);
  return { source, target, cpus, keys, requests, samplesPerRequest: entry.samplesPerRequest, free, paid, catalog: entry, explanation };
}

/** One plan per source, for a side-by-side table; `catalog` holds each provider's overrides. */
export function planAllSources(input: Omit<PlanInput, 'source' | 'catalog'> & { catalog?: Partial<Record<ProviderSourceName, CatalogOverrides>> }): CollectionPlan[] {
  const { catalog, ...rest } = input;
  return SOURCE_NAMES.map((source) => planCollection({ ...rest, source, ...(source !== 'synthetic' && catalog?.[source] ? { catalog: catalog[source] } : {}) }));
}

registerTrafficErrors(InvalidPlanInputError);
