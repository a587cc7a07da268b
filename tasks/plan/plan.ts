/**
 * How long and how much: estimates for collecting N samples from each source, before any money is spent.
 *
 * Pure functions of their inputs. For an API the two limits are the per-key rate and the free quota; two
 * scenarios are given: staying inside the free tier (slow, free) and paying for every request beyond it
 * (rate-limited, billed by the provider's price tiers). Adding workers does not help an API collection, only
 * keys do, and the explanation says so. For the synthetic source the limit is the measured end-to-end
 * throughput, taken as an input because it depends on the machine.
 */
import { z } from 'zod';
import { PROVIDER_CATALOG, type ProviderCatalogEntry, windowCostUsd } from '../sources/providers/catalog.ts';
import { formatCount, formatDuration, formatUsd } from './format.ts';

export const PLAN_SOURCES = ['synthetic', 'tomtom', 'here', 'mapbox'] as const;
export type PlanSource = (typeof PLAN_SOURCES)[number];

export interface PlanInput {
  source: PlanSource;
  /** Samples wanted. */
  target: number;
  /** Cluster workers generating in parallel (synthetic). @default 1 */
  workers?: number;
  /** API keys used side by side, each with its own rate limit and free quota. @default 1 */
  keys?: number;
  /**
   * Measured end-to-end synthetic throughput of one worker (generate, encode, commit), samples/s; take it
   * from `npm run bench -- collect`. @default 1000000
   */
  syntheticSamplesPerSecond?: number;
  /** Overrides of the provider's catalog entry (rate, free tier, prices, samples per request). */
  catalog?: Partial<Omit<ProviderCatalogEntry, 'name'>>;
}

export interface Scenario {
  seconds: number;
  costUsd: number;
  limitedBy: string;
}

export interface CollectionPlan {
  source: PlanSource;
  target: number;
  workers: number;
  keys: number;
  /** API requests needed (0 for synthetic). */
  requests: number;
  samplesPerRequest: number;
  /** Inside the free tier only (APIs), or the single synthetic estimate. */
  free: Scenario;
  /** Paying for requests beyond the free tier, as fast as the rate limit allows (APIs only). */
  paid?: Scenario;
  /** Human-readable lines, the first one the headline. */
  explanation: string[];
}

const inputSchema = z.object({
  source: z.enum(PLAN_SOURCES),
  target: z.number().positive().finite(),
  workers: z.number().int().positive().default(1),
  keys: z.number().int().positive().default(1),
  syntheticSamplesPerSecond: z.number().positive().finite().default(1_000_000),
  catalog: z.record(z.string(), z.unknown()).optional(),
});

export class InvalidPlanInputError extends Error {
  override readonly name = 'InvalidPlanInputError';
  constructor(readonly issues: string[]) {
    super(`invalid plan input: ${issues.join('; ')}`);
  }
}

const WINDOW_SECONDS = { day: 86_400, month: (365.25 / 12) * 86_400 } as const;
const NAMES: Record<Exclude<PlanSource, 'synthetic'>, string> = { tomtom: 'TomTom', here: 'HERE', mapbox: 'Mapbox' };

export function planCollection(input: PlanInput): CollectionPlan {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) throw new InvalidPlanInputError(parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`));
  const { source, target, workers, keys, syntheticSamplesPerSecond } = parsed.data;

  if (source === 'synthetic') {
    const rate = syntheticSamplesPerSecond * workers;
    const seconds = target / rate;
    return {
      source,
      target,
      workers,
      keys,
      requests: 0,
      samplesPerRequest: 0,
      free: { seconds, costUsd: 0, limitedBy: 'synthetic throughput' },
      explanation: [
        `${formatCount(target)} synthetic samples at ${formatCount(syntheticSamplesPerSecond)} samples/s per worker × ${workers} worker${workers > 1 ? 's' : ''} would take ${formatDuration(seconds)}, at no cost.`,
      ],
    };
  }

  const entry: ProviderCatalogEntry = { ...PROVIDER_CATALOG[source], ...input.catalog, name: source };
  const name = NAMES[source];
  const requests = Math.ceil(target / entry.samplesPerRequest);
  const rate = entry.ratePerSecond * keys;
  const windowS = WINDOW_SECONDS[entry.free.window];
  const freePerWindow = entry.free.requests * keys;

  // Free tier only: each window gives `freePerWindow` requests, sent at the rate limit.
  const fullWindows = Math.floor(requests / freePerWindow);
  const rest = requests - fullWindows * freePerWindow;
  const freeSeconds = rest === 0 && fullWindows > 0 ? (fullWindows - 1) * windowS + freePerWindow / rate : fullWindows * windowS + rest / rate;
  const free: Scenario = { seconds: freeSeconds, costUsd: 0, limitedBy: `free quota (${formatCount(entry.free.requests)} requests/${entry.free.window} per key)` };

  // Paying: every key sends at its rate limit; each window's first requests are free, the rest billed.
  const paidSeconds = requests / rate;
  const perKeyPerWindow = entry.ratePerSecond * windowS;
  const perKey = requests / keys;
  const keyWindows = Math.floor(perKey / perKeyPerWindow);
  const lastWindow = perKey - keyWindows * perKeyPerWindow;
  const costUsd = keys * (keyWindows * windowCostUsd(entry, perKeyPerWindow) + windowCostUsd(entry, lastWindow));
  const paid: Scenario = { seconds: paidSeconds, costUsd, limitedBy: `rate limit (${entry.ratePerSecond} requests/s per key)` };

  const keyText = `${keys === 1 ? 'one' : formatCount(keys)} ${name} key${keys > 1 ? 's' : ''}`;
  const explanation = [
    `${formatCount(target)} samples from ${keyText} at ${formatCount(entry.free.requests)} free requests/${entry.free.window} would take ${formatDuration(freeSeconds)}.`,
    `Paying beyond the free tier, ${keyText} at ${entry.ratePerSecond} requests/s would take ${formatDuration(paidSeconds)} and cost about ${formatUsd(costUsd)} (${formatCount(requests)} requests, ${formatCount(entry.samplesPerRequest)} sample${entry.samplesPerRequest === 1 ? '' : 's'} per request).`,
  ];
  if (workers > 1) explanation.push(`More workers do not speed this up: the provider limits each key, so only more keys (or a bigger plan) do.`);
  explanation.push(`Prices and limits: ${entry.source}.`);
  return { source, target, workers, keys, requests, samplesPerRequest: entry.samplesPerRequest, free, paid, explanation };
}

/** One plan per source, for a side-by-side table. */
export function planAllSources(input: Omit<PlanInput, 'source' | 'catalog'>): CollectionPlan[] {
  return PLAN_SOURCES.map((source) => planCollection({ ...input, source }));
}
