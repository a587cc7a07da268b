/**
 * Persistent request counts per provider key and quota window, so a restarted collection does not believe
 * it has a fresh quota.
 *
 * SQLite (better-sqlite3) in WAL mode: a reservation is one short transaction, safe across the threads and
 * processes of one machine. Windows are UTC calendar days and months, the way providers bill. Keys are
 * stored by fingerprint only.
 *
 * Scope: one ledger file is one machine's view. A cluster that spreads one key over several machines must
 * point them at the same ledger (or pin each key's requests to one worker), or they will overspend together.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { ProviderName } from '../errors.ts';

export interface QuotaLimits {
  /** Requests allowed per UTC day; absent = no daily limit. */
  perDay?: number;
  /** Requests allowed per UTC month; absent = no monthly limit. */
  perMonth?: number;
}

export type Reservation =
  | { ok: true; dayCount: number; monthCount: number }
  | { ok: false; window: 'day' | 'month'; resetsAt: Date; reason: 'ledger' | 'provider' };

export interface KeyUsage {
  dayCount: number;
  monthCount: number;
  blockedUntil?: Date;
}

export function dayStart(ms: number): number {
  return Math.floor(ms / 86_400_000) * 86_400_000;
}

export function monthStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export function nextMonthStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

export class QuotaLedger {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #now: () => number;
  readonly #get: Database.Statement<[string, string, string, number], { requests: number }>;
  readonly #bump: Database.Statement<[string, string, string, number]>;
  readonly #getBlock: Database.Statement<[string, string], { until: number; reason: string }>;
  readonly #setBlock: Database.Statement<[string, string, number, string]>;
  readonly #reserveTx: Database.Transaction<(provider: string, keyId: string, limits: QuotaLimits) => Reservation>;
  #closed = false;

  /** Opens (creating if needed) the ledger at `path`; `:memory:` for a throwaway one. */
  constructor(path: string, now: () => number = Date.now) {
    this.path = path;
    this.#now = now;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS usage (
        provider TEXT NOT NULL, key_id TEXT NOT NULL, window TEXT NOT NULL, window_start INTEGER NOT NULL,
        requests INTEGER NOT NULL, PRIMARY KEY (provider, key_id, window, window_start));
      CREATE TABLE IF NOT EXISTS blocks (
        provider TEXT NOT NULL, key_id TEXT NOT NULL, until INTEGER NOT NULL, reason TEXT NOT NULL,
        PRIMARY KEY (provider, key_id));
    `);
    this.#get = this.#db.prepare('SELECT requests FROM usage WHERE provider = ? AND key_id = ? AND window = ? AND window_start = ?');
    this.#bump = this.#db.prepare(
      `INSERT INTO usage (provider, key_id, window, window_start, requests) VALUES (?, ?, ?, ?, 1)
       ON CONFLICT (provider, key_id, window, window_start) DO UPDATE SET requests = requests + 1`,
    );
    this.#getBlock = this.#db.prepare('SELECT until, reason FROM blocks WHERE provider = ? AND key_id = ?');
    this.#setBlock = this.#db.prepare(
      `INSERT INTO blocks (provider, key_id, until, reason) VALUES (?, ?, ?, ?)
       ON CONFLICT (provider, key_id) DO UPDATE SET until = MAX(until, excluded.until), reason = excluded.reason`,
    );
    this.#reserveTx = this.#db.transaction((provider: string, keyId: string, limits: QuotaLimits): Reservation => {
      const now = this.#now();
      const block = this.#getBlock.get(provider, keyId);
      if (block && block.until > now) {
        return { ok: false, window: block.reason === 'month' ? 'month' : 'day', resetsAt: new Date(block.until), reason: 'provider' };
      }
      const day = dayStart(now);
      const month = monthStart(now);
      const dayCount = this.#get.get(provider, keyId, 'day', day)?.requests ?? 0;
      const monthCount = this.#get.get(provider, keyId, 'month', month)?.requests ?? 0;
      if (limits.perDay !== undefined && dayCount >= limits.perDay) {
        return { ok: false, window: 'day', resetsAt: new Date(day + 86_400_000), reason: 'ledger' };
      }
      if (limits.perMonth !== undefined && monthCount >= limits.perMonth) {
        return { ok: false, window: 'month', resetsAt: new Date(nextMonthStart(now)), reason: 'ledger' };
      }
      this.#bump.run(provider, keyId, 'day', day);
      this.#bump.run(provider, keyId, 'month', month);
      return { ok: true, dayCount: dayCount + 1, monthCount: monthCount + 1 };
    });
  }

  /**
   * Counts one request against the key if its quotas allow it. Counted before sending: a request the
   * provider received is billed even when its answer is lost.
   */
  reserve(provider: ProviderName, keyId: string, limits: QuotaLimits): Reservation {
    return this.#reserveTx.immediate(provider, keyId, limits);
  }

  /**
   * Stops using a key until its `window` resets, after the provider said it is over quota (403). Kept in
   * the ledger so a restarted collection does not hammer a key the provider has closed.
   */
  block(provider: ProviderName, keyId: string, window: 'day' | 'month'): Date {
    const now = this.#now();
    const until = window === 'day' ? dayStart(now) + 86_400_000 : nextMonthStart(now);
    this.#setBlock.run(provider, keyId, until, window);
    return new Date(until);
  }

  usage(provider: ProviderName, keyId: string): KeyUsage {
    const now = this.#now();
    const block = this.#getBlock.get(provider, keyId);
    return {
      dayCount: this.#get.get(provider, keyId, 'day', dayStart(now))?.requests ?? 0,
      monthCount: this.#get.get(provider, keyId, 'month', monthStart(now))?.requests ?? 0,
      ...(block && block.until > now ? { blockedUntil: new Date(block.until) } : {}),
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}
