/**
 * One head per Redis control store: a lease key `<prefix>:head-lock` that the head holding the store sets
 * with an expiry and renews, so a second head pointed at the same server and prefix (a copy of a systemd unit,
 * a failover started while the first still runs) is refused instead of resuming the same cluster beside it.
 * SQLite gets the same from its exclusive file lock; Redis has no such thing, so this is the lease Redis's own
 * docs describe (SET NX PX, renewed and released by compare-and-set scripts so a head never touches a lease
 * that is not its own).
 *
 * A head that died without releasing its lease: when it ran on this machine and its process is gone (checked
 * by pid and start time, process-identity.mjs), its lease is taken over at once, as a restart after a crash
 * should be quick; one from another machine is waited out (at most the TTL) since only its expiry says that
 * head is gone.
 *
 * A head that finds its lease taken while it runs (it could not renew for a TTL, and another head took the
 * store) must stop writing: `onLost` tells it, and the store stops sending (redis-store.ts).
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { ControlStoreContentError } from '../../common/errors.ts';
import { isSameProcess, processIdentity } from '../jobs/process-identity.mjs';

/** How long a lease lasts without renewal: a head killed on another machine is waited out this long. */
export const HEAD_LOCK_TTL_MS = 10_000;

/** What the lease key holds: who holds the store, for the message a refused head gives. */
interface LockHolder {
  id: string;
  host: string;
  pid: number;
  identity: string;
  since: number;
}

/** The subset of a node-redis client the lease uses. */
export interface LockClient {
  set(key: string, value: string, opts: { condition: 'NX'; expiration: { type: 'PX'; value: number } }): Promise<string | null>;
  get(key: string): Promise<string | null>;
  eval(script: string, opts: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

// Compare-and-set scripts: each acts only when the key still holds the value the caller knows.
const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
const TAKE_OVER = "if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 else return 0 end";

export interface HeadLockOptions {
  /** How long acquire() waits for a lease held elsewhere to be released or to expire. @default TTL + 2 s */
  waitMs?: number;
  /** @default HEAD_LOCK_TTL_MS */
  ttlMs?: number;
  /** Told once when another head holds the lease this one had. */
  onLost?: (err: Error) => void;
}

export class RedisHeadLock {
  readonly #client: LockClient;
  readonly #key: string;
  readonly #where: string;
  readonly #ttlMs: number;
  readonly #value: string;
  readonly #onLost: ((err: Error) => void) | undefined;
  #renewal: NodeJS.Timeout | undefined;
  #lost = false;

  private constructor(client: LockClient, key: string, where: string, opts: HeadLockOptions) {
    this.#client = client;
    this.#key = key;
    this.#where = where;
    this.#ttlMs = opts.ttlMs ?? HEAD_LOCK_TTL_MS;
    this.#onLost = opts.onLost;
    const holder: LockHolder = { id: randomUUID(), host: os.hostname(), pid: process.pid, identity: processIdentity(process.pid) ?? '', since: Date.now() };
    this.#value = JSON.stringify(holder);
  }

  /** Whether another head took the lease from this one. */
  get lost(): boolean {
    return this.#lost;
  }

  /**
   * Takes the lease on `key` (waiting out one held by a head that may still live), then renews it every third
   * of its TTL. `where` names the store in messages.
   */
  static async acquire(client: LockClient, key: string, where: string, opts: HeadLockOptions = {}): Promise<RedisHeadLock> {
    const lock = new RedisHeadLock(client, key, where, opts);
    const deadline = Date.now() + (opts.waitMs ?? lock.#ttlMs + 2000);
    for (;;) {
      if ((await client.set(key, lock.#value, { condition: 'NX', expiration: { type: 'PX', value: lock.#ttlMs } })) === 'OK') break;
      const held = await client.get(key);
      if (held === null) continue; // released or expired between the two calls
      const holder = parseHolder(held);
      if (holder && holder.host === os.hostname() && !isSameProcess(holder.pid, holder.identity)) {
        // A head of this machine that is gone (killed, crashed): nothing renews its lease, so it is taken now.
        if ((await client.eval(TAKE_OVER, { keys: [key], arguments: [held, lock.#value, String(lock.#ttlMs)] })) === 1) break;
        continue;
      }
      if (Date.now() >= deadline) {
        const who = holder ? `the head with pid ${holder.pid} on ${holder.host}, since ${new Date(holder.since).toISOString()}` : 'another head';
        throw new ControlStoreContentError(
          where,
          'locked',
          `is in use by ${who}: stop that head first (a head that died frees it within ${Math.ceil(lock.#ttlMs / 1000)} s), or give this cluster its own key prefix (?prefix=name)`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    lock.#renewal = setInterval(() => void lock.#renew(), Math.max(50, Math.floor(lock.#ttlMs / 3)));
    lock.#renewal.unref();
    return lock;
  }

  async #renew(): Promise<void> {
    if (this.#lost) return;
    let renewed: unknown;
    try {
      renewed = await this.#client.eval(RENEW, { keys: [this.#key], arguments: [this.#value, String(this.#ttlMs)] });
    } catch {
      return; // not connected: the next renewal tries again, and tells if the lease expired meanwhile
    }
    if (renewed === 1 || this.#lost) return;
    this.#lost = true;
    clearInterval(this.#renewal);
    const holder = parseHolder((await this.#client.get(this.#key).catch(() => null)) ?? '');
    const who = holder ? `the head with pid ${holder.pid} on ${holder.host}` : 'nobody now';
    this.#onLost?.(
      new ControlStoreContentError(
        this.#where,
        'locked',
        `was taken from this head (its lease ran out while it could not reach the server; it is held by ${who}): this head stops, as two heads must not write one store`,
      ),
    );
  }

  /** Stops renewing and frees the lease, if it is still this head's. */
  async release(): Promise<void> {
    clearInterval(this.#renewal);
    if (this.#lost) return;
    // Unreachable now: it expires by itself within the TTL.
    await this.#client.eval(RELEASE, { keys: [this.#key], arguments: [this.#value] }).catch(() => undefined);
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    return typeof v.pid === 'number' && typeof v.host === 'string' ? (v as LockHolder) : undefined;
  } catch {
    return undefined;
  }
}
