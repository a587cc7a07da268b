/**
 * `convoy plan`: time and cost to reach a target from each source, before spending anything. The providers'
 * figures come from the catalog (tasks/sources/providers/catalog.ts, with the date they were read and where);
 * each price, quota and rate can be overridden here, by flag (for --source) or in a JSON --config file.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../../cluster/client/index.ts';
import { formatTable } from '../../cluster/common/index.ts';
import type { CatalogOverrides } from '../plan/index.ts';
import { SOURCE_NAMES, isSourceName, type ProviderSourceName, type SourceName } from '../traffic/source-names.ts';
import { parseCount } from './shared.ts';

// Kept here (not imported from the planner) so `convoy --help` loads nothing more.

interface PlanFlags {
  source?: string;
  target: string;
  cpus?: string;
  keys?: string;
  syntheticRate?: string;
  rate?: string;
  free?: string;
  price?: string;
  pricing?: string;
  monthlyCap?: string;
  samplesPerRequest?: string;
  config?: string;
  json?: boolean;
}

function positive(flag: string, v: string): number {
  const n = Number(v.replace(/[_,]/g, ''));
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number, got "${v}"`);
  return n;
}

/** `2500/day`, `100000/month`. */
function parseFree(v: string): { window: 'day' | 'month'; requests: number } {
  const m = /^\s*([\d_,.e+]+)\s*\/\s*(day|month)\s*$/i.exec(v);
  const requests = m ? Number(m[1]!.replace(/[_,]/g, '')) : NaN;
  if (!m || !Number.isInteger(requests) || requests < 0) throw new UsageError(`--free takes requests per key and window, like 2500/day or 100000/month, got "${v}"`);
  return { window: m[2]!.toLowerCase() as 'day' | 'month', requests };
}

/** `0.5` (one price), or `400000:2,900000:1.6,1.2` (up to N billable requests a month at P per 1,000, then the rest). */
function parsePrice(v: string): { upTo: number; usdPer1000: number }[] {
  const parts = v.split(',').map((s) => s.trim());
  const tiers = parts.map((part, i) => {
    const [a, b] = part.split(':');
    const last = i === parts.length - 1;
    const upTo = b === undefined ? (last ? Infinity : NaN) : Number(a!.replace(/_/g, ''));
    const usdPer1000 = Number(b ?? a);
    if (!(upTo > 0) || !Number.isFinite(usdPer1000) || usdPer1000 < 0) {
      throw new UsageError(`--price takes USD per 1,000 requests, or tiers like 400000:2,900000:1.6,1.2 (up to N billable requests a month at P, the last for the rest), got "${v}"`);
    }
    return { upTo, usdPer1000 };
  });
  for (let i = 1; i < tiers.length; i++) if (!(tiers[i]!.upTo > tiers[i - 1]!.upTo)) throw new UsageError(`--price: tiers must go up (each N above the last), got "${v}"`);
  return tiers;
}

/** Catalog overrides from the provider flags; they need --source, since each provider's figures differ. */
function flagOverrides(f: PlanFlags): CatalogOverrides | undefined {
  const given = (['rate', 'free', 'price', 'pricing', 'monthlyCap', 'samplesPerRequest'] as const).filter((k) => f[k] !== undefined);
  if (given.length === 0) return undefined;
  const flag = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  if (!f.source || f.source === 'synthetic') {
    throw new UsageError(`${given.map(flag).join(', ')} set${given.length === 1 ? 's' : ''} a provider's figures: name it with --source tomtom|here|mapbox (or use --config for several)`);
  }
  if (f.pricing !== undefined && f.pricing !== 'graduated' && f.pricing !== 'volume') throw new UsageError(`--pricing must be graduated or volume, got "${f.pricing}"`);
  return {
    ...(f.rate !== undefined ? { ratePerSecond: positive('--rate', f.rate) } : {}),
    ...(f.free !== undefined ? { free: parseFree(f.free) } : {}),
    ...(f.price !== undefined ? { tiers: parsePrice(f.price) } : {}),
    ...(f.pricing !== undefined ? { pricing: f.pricing as 'graduated' | 'volume' } : {}),
    ...(f.monthlyCap !== undefined ? { monthlyCap: f.monthlyCap === 'none' ? Infinity : parseCount('--monthly-cap', f.monthlyCap) } : {}),
    ...(f.samplesPerRequest !== undefined ? { samplesPerRequest: positive('--samples-per-request', f.samplesPerRequest) } : {}),
  };
}

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('estimate time and cost to collect N samples from a source (or all of them), with the figures it used')
    .requiredOption('--target <n>', 'samples wanted (e.g. 1e9)')
    .option('--source <source>', `one of ${SOURCE_NAMES.join(', ')} (default: all, side by side)`)
    .option('--cpus <n>', 'CPU cores the cluster gives the collection (synthetic scales with them; default 1)')
    .option('--keys <n>', 'API keys used side by side, each with its own limits (default 1)')
    .option('--synthetic-rate <samples/s>', 'synthetic samples per second per CPU core (default: 750,000, measured by npm run bench -- collect)')
    .option('--rate <requests/s>', 'requests per second one key may send (with --source)')
    .option('--free <n/day|n/month>', 'free requests per key, e.g. 2500/day (with --source)')
    .option('--price <usd|tiers>', 'USD per 1,000 billable requests, or tiers 400000:2,900000:1.6,1.2 by billable requests a month (with --source)')
    .option('--pricing <graduated|volume>', "how the tiers apply: each to its band's requests, or the volume reached to all (with --source)")
    .option('--monthly-cap <n|none>', 'requests per key and month the plan covers (with --source)')
    .option('--samples-per-request <n>', 'samples one request yields (with --source)')
    .option('--config <file>', 'JSON file with cpus, keys, synthetic and per-provider figures (see tasks/plan/config.ts)')
    .option('--json', 'print JSON')
    .action(async (f: PlanFlags) => {
      const plan = await import('../plan/index.ts');
      if (f.source && !isSourceName(f.source)) throw new UsageError(`--source must be one of ${SOURCE_NAMES.join(', ')}, got "${f.source}"`);
      let config: ReturnType<typeof plan.parsePlanConfig> = { catalog: {} };
      if (f.config) {
        let text: string;
        try {
          text = readFileSync(f.config, 'utf8');
        } catch (err) {
          throw new UsageError(`--config ${f.config}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
        }
        try {
          config = plan.parsePlanConfig(text, f.config);
        } catch (err) {
          if (err instanceof plan.PlanConfigError) throw new UsageError(`--config ${err.message}`);
          throw err;
        }
      }
      // Flags win over the config file, which wins over the catalog.
      const overrides = flagOverrides(f);
      const catalog = { ...config.catalog };
      if (overrides) catalog[f.source as ProviderSourceName] = { ...catalog[f.source as ProviderSourceName], ...overrides };
      const base = {
        target: parseCount('--target', f.target),
        cpus: f.cpus !== undefined ? parseCount('--cpus', f.cpus) : (config.cpus ?? 1),
        keys: f.keys !== undefined ? parseCount('--keys', f.keys) : (config.keys ?? 1),
        syntheticSamplesPerCpuSecond: f.syntheticRate ? positive('--synthetic-rate', f.syntheticRate) : config.syntheticSamplesPerCpuSecond,
      };
      const source = f.source as SourceName | undefined;
      const plans = source
        ? [plan.planCollection({ ...base, source, ...(source !== 'synthetic' && catalog[source] ? { catalog: catalog[source] } : {}) })]
        : plan.planAllSources({ ...base, catalog });
      if (f.json) return console.log(JSON.stringify(plans, null, 2));
      const rows = plan.planTableRows(plans);
      const cols = Object.keys(rows[0]!);
      console.log(formatTable(cols, rows.map((r) => cols.map((c) => r[c]!))));
      console.log();
      for (const p of plans) console.log(`${p.source}: ${p.explanation.join(' ')}`);
    });
}
