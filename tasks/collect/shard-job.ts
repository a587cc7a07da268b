/**
 * What the driver sends a collection task (one shard to collect) and what the task answers. Apart from the
 * task so that the shard runners (shard-task.ts, provider-shard.ts) and the driver (collect.ts) share it.
 */
import type { FailureCause } from './failures.ts';

export interface ShardJob {
  shardId: string;
  lakeUrl: string;
  source: string;
  city: string;
  fromMs: number;
  toMs: number;
  samples: number;
  seed: number;
  /** OSM extract for this city (a path the worker can read), else a synthetic network. */
  osmPath?: string;
  s3?: Record<string, unknown>;
  provider?: ProviderShardOptions;
}

export interface ShardOutcome {
  shardId: string;
  rows: number;
  bytes: number;
  files: number;
  replaced: boolean;
  apiRequests: number;
  costUsd: number;
  /** Requests that failed but were made up for by later ones (the shard still has all its samples). */
  failedRequests: number;
  /** Why those requests failed. */
  failureCauses: FailureCause[];
  ms: number;
}

export interface ProviderShardOptions {
  /** Provider endpoint (tests point it at a local server). */
  baseUrl?: string;
  /** JSON secrets file with the keys (mode 0600), readable on the worker; else keys come from its environment. */
  secretsFile?: string;
  /** Quota ledger file on the worker. @default ~/.convoy/quota-ledger.sqlite */
  ledgerPath?: string;
  quota?: { perDay?: number; perMonth?: number };
  /** This shard's position among the city's shards: it sends the requests that follow its predecessors'. */
  slice: number;
  slices: number;
}
