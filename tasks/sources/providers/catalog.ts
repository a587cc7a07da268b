/**
 * What each traffic API allows and costs: per-key rate limits, free quotas, volume prices, the largest volume
 * the self-serve price list covers, and how many samples one request yields. Used by the clients (defaults,
 * cost counting) and by the planner.
 *
 * Read on 2026-12-01 from the pages named in each entry's `sources`, in USD. Prices change, and not every
 * figure is published for these endpoints: `caveat` says which are estimates. Every figure can be overridden
 * (client options; `convoy plan` flags and `--config`).
 */
import type { ProviderSourceName } from '../../traffic/source-names.ts';

export interface PriceTier {
  /** Billable requests per key and month up to which this price applies (Infinity for the last tier). */
  upTo: number;
  /** USD per 1,000 requests. */
  usdPer1000: number;
}

export interface ProviderCatalogEntry {
  name: ProviderSourceName;
  /** Sustained requests per second one key may send (the provider's default limit). */
  ratePerSecond: number;
  /** Free requests per key and window, before any charge. */
  free: { window: 'day' | 'month'; requests: number };
  /** Prices of the requests past the free ones, by billable requests per key and month. */
  tiers: readonly PriceTier[];
  /**
   * `graduated`: each tier's price applies to the requests that fall in it (Mapbox's bands).
   * `volume`: the volume reached sets one price for all of them (TomTom's credit packs: the bigger, the cheaper).
   */
  pricing: 'graduated' | 'volume';
  /**
   * Requests per key and month the self-serve price list covers (Infinity: no published end); more needs a
   * contract with the provider, so plans do not assume more.
   */
  monthlyCap: number;
  /** Samples one request yields on average (TomTom: one segment per point request). */
  samplesPerRequest: number;
  /** Day the figures were read. */
  readOn: string;
  /** Where the figures come from. */
  sources: readonly string[];
  /** Which figures are estimates, or what is known to have changed. */
  caveat?: string;
}

export const PROVIDER_CATALOG: Readonly<Record<ProviderCatalogEntry['name'], ProviderCatalogEntry>> = {
  tomtom: {
    name: 'tomtom',
    // "Traffic API, non-tile: 10" in TomTom's default QPS table.
    ratePerSecond: 10,
    // "2,500 free transactions per day on all our APIs"; the platform FAQ: daily free amounts apply on all plans.
    free: { window: 'day', requests: 2_500 },
    // Pay-as-you-grow credit packs for publicly accessible applications (internal-business use costs 6-8x more).
    tiers: [
      { upTo: 50_000, usdPer1000: 0.5 },
      { upTo: 100_000, usdPer1000: 0.49 },
      { upTo: 250_000, usdPer1000: 0.48 },
      { upTo: 500_000, usdPer1000: 0.46 },
      { upTo: 1_000_000, usdPer1000: 0.45 },
      { upTo: 2_500_000, usdPer1000: 0.44 },
      { upTo: 5_000_000, usdPer1000: 0.43 },
      { upTo: Infinity, usdPer1000: 0.42 },
    ],
    pricing: 'volume',
    // The largest pack on the price list; larger volumes are enterprise contracts.
    monthlyCap: 10_000_000,
    samplesPerRequest: 1,
    readOn: '2026-12-01',
    sources: [
      'https://developer.tomtom.com/store/maps-api (2,500 free per day; credit packs from 50,000 at $0.50 to 10,000,000 at $0.42 per 1,000)',
      'https://developer.tomtom.com/platform/documentation/default-qps (Traffic API non-tile: 10 QPS)',
      'https://developer.tomtom.com/platform/documentation/faqs (daily free amounts on all plans; over the limits: HTTP 429)',
    ],
    caveat:
      'TomTom announced per-API free monthly tiers and new rates from 2026-07-01 (https://docs.tomtom.com/pricing/price-announcement); the traffic figures there could not be read, so these are the pay-as-you-grow figures above: check your dashboard and override (--free, --price)',
  },
  here: {
    name: 'here',
    // HERE publishes no Traffic API RPS limit for its self-serve plans; its routing services allow 10.
    ratePerSecond: 10,
    free: { window: 'month', requests: 5_000 },
    tiers: [{ upTo: Infinity, usdPer1000: 2.5 }],
    pricing: 'graduated',
    monthlyCap: Infinity,
    // One bbox request over a city centre returns hundreds to thousands of flow items.
    samplesPerRequest: 1_000,
    readOn: '2026-12-01',
    sources: [
      'https://www.here.com/get-started/pricing/rps-limits-excluded-use-cases (Limited Plan without payment details: 1,000 requests per day; routing 10 RPS)',
      'https://www.here.com/pricing/supplemental-pricing (Base Plan rates: every request is one transaction)',
    ],
    caveat:
      "estimates: the 5,000 free Traffic transactions per month and $2.50 per 1,000 are not on a page that could be read; HERE's Limited Plan (no payment details) stops at 1,000 requests per day. Check your plan and override (--free, --price, --rate)",
  },
  mapbox: {
    name: 'mapbox',
    // Directions API default limit: 300 requests per minute.
    ratePerSecond: 5,
    free: { window: 'month', requests: 100_000 },
    // Bands of the month's requests: 100,001-500,000 at $2.00, 500,001-1,000,000 at $1.60, to 4,999,999 at $1.20.
    tiers: [
      { upTo: 400_000, usdPer1000: 2.0 },
      { upTo: 900_000, usdPer1000: 1.6 },
      { upTo: Infinity, usdPer1000: 1.2 },
    ],
    pricing: 'graduated',
    // From 5,000,000 requests a month Mapbox prices by contract.
    monthlyCap: 4_999_999,
    // One annotated route of ~25 waypoints across a city yields one sample per road piece, ~100 of them.
    samplesPerRequest: 100,
    readOn: '2026-12-01',
    sources: [
      "https://apio.sh/apis/mapbox-directions (Mapbox's Directions pricing from docs.mapbox.com/api/navigation/directions/, verified there 2026-06-14: 100,000 free per month, then $2.00 / $1.60 / $1.20 per 1,000, 5,000,000+ by contract)",
      'https://apis.io/rate-limits/mapbox/mapbox-rate-limits/ (Directions API: 300 requests per minute per token; over it HTTP 429)',
    ],
  },
};

/** Days in an average month, for daily free tiers billed monthly. */
export const DAYS_PER_MONTH = 365.25 / 12;

/** Free requests per key in a month. */
export function freePerMonth(entry: Pick<ProviderCatalogEntry, 'free'>): number {
  return entry.free.window === 'day' ? entry.free.requests * DAYS_PER_MONTH : entry.free.requests;
}

/** Price per 1,000 of the tier `billable` falls in. */
function tierPrice(entry: Pick<ProviderCatalogEntry, 'tiers'>, billable: number): number {
  for (const t of entry.tiers) if (billable <= t.upTo) return t.usdPer1000;
  return entry.tiers[entry.tiers.length - 1]?.usdPer1000 ?? 0;
}

/**
 * Cost in USD of one more request, given how many the key made before it in the free tier's window and in the
 * month (an estimate for `volume` pricing, where the month's total sets the price).
 */
export function marginalCostUsd(entry: ProviderCatalogEntry, before: { inFreeWindow: number; inMonth: number }): number {
  if (before.inFreeWindow < entry.free.requests) return 0;
  return tierPrice(entry, Math.max(0, before.inMonth - freePerMonth(entry))) / 1000;
}

/** Cost in USD of one key's `requests` in one month, its free tier first. */
export function monthCostUsd(entry: ProviderCatalogEntry, requests: number): number {
  const billable = Math.max(0, requests - freePerMonth(entry));
  if (billable === 0) return 0;
  if (entry.pricing === 'volume') return (billable / 1000) * tierPrice(entry, billable);
  let left = billable;
  let cost = 0;
  let tierStart = 0;
  for (const t of entry.tiers) {
    const inTier = Math.min(left, t.upTo - tierStart);
    cost += (inTier / 1000) * t.usdPer1000;
    left -= inTier;
    tierStart = t.upTo;
    if (left <= 0) break;
  }
  return cost;
}
