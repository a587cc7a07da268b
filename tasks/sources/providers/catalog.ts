/**
 * What each traffic API allows and costs: rate limits, free quotas, prices, and how many samples one
 * request yields. Used by the clients (defaults, cost counting) and by the planner.
 *
 * Prices change; these are the published list prices as read on 2026-11-27, in USD, and every figure can be
 * overridden through the client and planner options. Where a provider publishes no self-serve price the
 * number is an estimate and says so.
 */

export interface PriceTier {
  /** Billable requests in the window up to which this price applies (Infinity for the last tier). */
  upTo: number;
  /** USD per 1,000 requests. */
  usdPer1000: number;
}

export interface ProviderCatalogEntry {
  name: 'tomtom' | 'here' | 'mapbox';
  /** Sustained requests per second one key may send. */
  ratePerSecond: number;
  /** Free requests per key and window, before any charge. */
  free: { window: 'day' | 'month'; requests: number };
  /** Prices after the free requests, counted in the same window as `free`. */
  tiers: readonly PriceTier[];
  /** Samples one request yields on average (TomTom: one segment per point request). */
  samplesPerRequest: number;
  /** Where the numbers come from. */
  source: string;
}

export const PROVIDER_CATALOG: Readonly<Record<ProviderCatalogEntry['name'], ProviderCatalogEntry>> = {
  tomtom: {
    name: 'tomtom',
    // Default QPS limits are 5–50 per API; Flow Segment Data sits at about 10.
    ratePerSecond: 10,
    free: { window: 'day', requests: 2_500 },
    // Estimate: TomTom lists pay-as-you-grow traffic requests at roughly 0.5 per 1,000 (EUR/USD); check the
    // current table before spending.
    tiers: [{ upTo: Infinity, usdPer1000: 0.5 }],
    samplesPerRequest: 1,
    source: 'TomTom platform FAQ (2,500 free non-tile requests per day, QPS 5–50); docs.tomtom.com/pricing (estimate)',
  },
  here: {
    name: 'here',
    ratePerSecond: 10,
    // Estimate: HERE Base Plan gives a monthly free allowance for Traffic API v7 flow, then a per-1,000 price.
    free: { window: 'month', requests: 5_000 },
    tiers: [{ upTo: Infinity, usdPer1000: 2.5 }],
    // One bbox request over a city centre returns hundreds to thousands of flow items.
    samplesPerRequest: 1_000,
    source: 'HERE Base Plan pricing (estimate; check your plan), Traffic API v7 developer guide',
  },
  mapbox: {
    name: 'mapbox',
    // Directions API default limit: 300 requests per minute.
    ratePerSecond: 5,
    free: { window: 'month', requests: 100_000 },
    tiers: [
      { upTo: 400_000, usdPer1000: 2.0 },
      { upTo: 900_000, usdPer1000: 1.6 },
      { upTo: Infinity, usdPer1000: 1.2 },
    ],
    // One annotated route of ~25 waypoints across a city yields one sample per road piece, ~100 of them.
    samplesPerRequest: 100,
    source: 'Mapbox Directions API pricing: 100,000 free per month, then 2.00 / 1.60 / 1.20 USD per 1,000',
  },
};

/**
 * Cost in USD of one more request, given how many requests the key already made in the pricing window
 * (before this one).
 */
export function marginalCostUsd(entry: ProviderCatalogEntry, requestsBefore: number): number {
  const billableBefore = requestsBefore - entry.free.requests;
  if (billableBefore < 0) return 0;
  for (const t of entry.tiers) if (billableBefore < t.upTo) return t.usdPer1000 / 1000;
  return entry.tiers[entry.tiers.length - 1]!.usdPer1000 / 1000;
}

/** Cost in USD of `requests` requests made from the start of one pricing window. */
export function windowCostUsd(entry: ProviderCatalogEntry, requests: number): number {
  let billable = Math.max(0, requests - entry.free.requests);
  let cost = 0;
  let tierStart = 0;
  for (const t of entry.tiers) {
    const inTier = Math.min(billable, t.upTo - tierStart);
    cost += (inTier / 1000) * t.usdPer1000;
    billable -= inTier;
    tierStart = t.upTo;
    if (billable <= 0) break;
  }
  return cost;
}
