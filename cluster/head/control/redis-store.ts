/**
 * The control store on a Redis server (node-redis), for a head that must survive its machine: another
 * machine's head opens the same store and finds the cluster's tables (Ray's `RedisStoreClient`).
 *
 * open() connects and loads every table into memory; reads come from there (table-cache.ts), and writes go
 * behind: the keys changed in one event-loop turn go out as one MULTI/EXEC on the next setImmediate, one
 * transaction in flight at a time, so they reach the server in the order they were made and a turn's changes
 * (a lease and its node) land together. flush() waits until what was put before it is acknowledged.
 *
 * A lost connection: the client reconnects with backoff; meanwhile the changed keys wait here (not in the
 * client's offline queue, which is off: one queue, whose size is the number of changed rows, not of writes),
 * and go out when it is ready again. A transaction that failed is retried with its keys' newest rows.
 * flush() gives up after `flushTimeoutMs` with a ControlStoreUnavailableError; the writes stay queued.
 *
 * Layout, every key under `<prefix>:` so clusters can share a server (`?prefix=`, default `convoy`):
 *   <prefix>:format   "convoy-control-store <layout version>"
 *   <prefix>:head-lock  the lease of the head that holds the store (redis-head-lock.ts): one head per store
 *   <prefix>:<table>  a hash per table (nodes, leases, …): key → "<seq> <JSON value>", seq the first-put order
 * The URL's password never reaches a message or a log: they show `display` (common/store-spec.ts).
 */
import { createClient } from 'redis';
import { ControlStoreContentError, ControlStoreUnavailableError, errorMessage } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import { parseStoreSpec, redactUrl, type StoreSpec } from '../../common/store-spec.ts';
import type { ControlStore, TableName } from './control-store.ts';
import { TABLE_NAMES } from './control-store.ts';
import { TableCache, type Change } from './table-cache.ts';
import { RedisHeadLock, type HeadLockOptions } from './redis-head-lock.ts';

export type RedisStoreSpec = Extract<StoreSpec, { kind: 'redis' }>;

const FORMAT = 'convoy-control-store';
/** The layout this code writes and reads; a store with a higher one is refused. */
export const REDIS_SCHEMA_VERSION = 1;
/** A transaction that failed is tried again after this long, or when the connection is back if sooner. */
const RETRY_MS = 1000;

export interface RedisStoreOptions {
  /** Told when the connection is lost and back, and when writes fail. */
  log?: Logger;
  /** How long open() waits for the server to answer. @default 10_000 */
  connectTimeoutMs?: number;
  /** How long flush() (and so close()) waits for queued writes to be acknowledged. @default 10_000 */
  flushTimeoutMs?: number;
  /**
   * The head lease (redis-head-lock.ts): how long open() waits out another head's, its TTL, and who is told
   * when another head took it (the store has stopped writing by then; the head should exit).
   */
  lock?: HeadLockOptions;
}

function newClient(url: string, connectTimeoutMs: number) {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: Math.min(5000, connectTimeoutMs),
      // Reconnect for ever with backoff (as node-redis does by default, but also after a socket timeout),
      // except when the server refused the credentials: waiting cannot fix those.
      reconnectStrategy: (retries: number, cause: Error) => (isAuthFailure(cause) ? cause : Math.min(50 * 2 ** retries, 2000) + Math.floor(Math.random() * 200)),
    },
  });
}

type Client = ReturnType<typeof newClient>;

interface FlushWaiter {
  readonly batch: number;
  readonly resolve: () => void;
}

export class RedisControlStore implements ControlStore {
  /** Where the store is, for messages: no password. */
  readonly display: string;
  readonly nodes: ControlStore['nodes'];
  readonly leases: ControlStore['leases'];
  readonly objects: ControlStore['objects'];
  readonly clients: ControlStore['clients'];
  readonly jobs: ControlStore['jobs'];
  readonly taskSummaries: ControlStore['taskSummaries'];
  readonly tuneRuns: ControlStore['tuneRuns'];
  readonly placementGroups: ControlStore['placementGroups'];
  readonly meta: ControlStore['meta'];
  readonly #client: Client;
  readonly #prefix: string;
  readonly #cache: TableCache;
  readonly #log: Logger | undefined;
  readonly #flushTimeoutMs: number;
  #scheduled: NodeJS.Immediate | undefined;
  #retry: NodeJS.Timeout | undefined;
  /** The last transaction sent, and the last one acknowledged (they go one at a time, in order). */
  #sent = 0;
  #acked = 0;
  #inFlight = false;
  #waiters: FlushWaiter[] = [];
  #lastError: string | undefined;
  #connected = true;
  #closing: Promise<void> | undefined;
  #lock: RedisHeadLock | undefined;
  /** Set when another head took the store: nothing more is written. */
  #fenced: Error | undefined;

  private constructor(spec: RedisStoreSpec, client: Client, opts: RedisStoreOptions) {
    this.display = spec.display;
    this.#client = client;
    this.#prefix = spec.prefix;
    this.#log = opts.log;
    this.#flushTimeoutMs = opts.flushTimeoutMs ?? 10_000;
    this.#cache = new TableCache(`the control store at ${spec.display}`, () => {
      this.#scheduled ??= setImmediate(() => this.#send());
    });
    ({
      nodes: this.nodes,
      leases: this.leases,
      objects: this.objects,
      clients: this.clients,
      jobs: this.jobs,
      taskSummaries: this.taskSummaries,
      tuneRuns: this.tuneRuns,
      placementGroups: this.placementGroups,
      meta: this.meta,
    } = this.#cache.tables);
  }

  /** Connects to the store at `spec` (a redis:// or rediss:// URL, or its parsed form) and loads it. */
  static async open(spec: RedisStoreSpec | string, opts: RedisStoreOptions = {}): Promise<RedisControlStore> {
    const parsed = typeof spec === 'string' ? parseStoreSpec(spec, '.') : spec;
    if (parsed.kind !== 'redis') throw new TypeError(`RedisControlStore.open takes a redis:// URL, got a ${parsed.kind} store`);
    const connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    let lastError: unknown;
    const client = newClient(parsed.url, connectTimeoutMs);
    client.on('error', (err: unknown) => {
      lastError = err;
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.connect(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${connectTimeoutMs} ms`)), connectTimeoutMs);
        }),
      ]);
    } catch (err) {
      client.destroy();
      const why = lastError ?? err;
      throw new ControlStoreUnavailableError(parsed.display, `cannot be reached (${safeMessage(why)}): start that Redis server, or check the URL's host, port and password`, {
        cause: why,
      });
    } finally {
      clearTimeout(timer);
    }
    const store = new RedisControlStore(parsed, client, opts);
    try {
      // The lease first: the rows are read once the head before has stopped writing them.
      store.#lock = await RedisHeadLock.acquire(client, store.#key('head-lock'), `at ${parsed.display}`, {
        ...opts.lock,
        onLost: (err) => {
          store.#fenced = err;
          store.#log?.error({ store: store.display, err: err.message }, 'control store taken by another head');
          opts.lock?.onLost?.(err);
        },
      });
      await store.#load();
    } catch (err) {
      await store.#lock?.release();
      client.destroy();
      if (err instanceof ControlStoreContentError) throw err;
      throw new ControlStoreUnavailableError(parsed.display, `could not be read (${safeMessage(err)})`, { cause: err });
    }
    store.#watchConnection();
    return store;
  }

  #key(table: TableName | 'format' | 'head-lock'): string {
    return `${this.#prefix}:${table}`;
  }

  async #load(): Promise<void> {
    const formatKey = this.#key('format');
    const where = `at ${this.display}`;
    const format = await this.#client.get(formatKey).catch((err: unknown) => {
      throw new ControlStoreContentError(where, 'foreign', `holds a ${formatKey} key that is not a Convoy control store's (${safeMessage(err)}); ${OTHER_PREFIX}`, { cause: err });
    });
    if (format === null) {
      for await (const found of this.#client.scanIterator({ MATCH: `${this.#prefix}:*`, COUNT: 1000 })) {
        const keys = found.filter((k) => k !== this.#key('head-lock'));
        if (keys.length > 0) throw new ControlStoreContentError(where, 'foreign', `holds keys under "${this.#prefix}:" (such as ${keys[0]}) that are not a Convoy control store; ${OTHER_PREFIX}`);
      }
      await this.#client.set(formatKey, `${FORMAT} ${REDIS_SCHEMA_VERSION}`, { condition: 'NX' });
      return;
    }
    const m = new RegExp(`^${FORMAT} (\\d+)$`).exec(format);
    if (!m) throw new ControlStoreContentError(where, 'foreign', `holds a ${formatKey} key that is not a Convoy control store's ("${format.slice(0, 60)}"); ${OTHER_PREFIX}`);
    if (Number(m[1]) > REDIS_SCHEMA_VERSION) {
      throw new ControlStoreContentError(
        where,
        'newer',
        `was written by a newer Convoy (store layout ${m[1]}; this one reads up to ${REDIS_SCHEMA_VERSION}); run that Convoy's head on it, or ${OTHER_PREFIX}`,
      );
    }
    const multi = this.#client.multi();
    for (const t of TABLE_NAMES) multi.hGetAll(this.#key(t));
    const hashes = (await multi.exec()) as unknown as Record<string, string>[];
    const rows: { table: TableName; key: string; seq: number; json: string }[] = [];
    TABLE_NAMES.forEach((table, i) => {
      for (const [key, text] of Object.entries(hashes[i] ?? {})) {
        const space = text.indexOf(' ');
        const seq = Number(text.slice(0, space));
        if (space < 1 || !Number.isSafeInteger(seq)) {
          throw new ControlStoreContentError(where, 'corrupt', `has a damaged row ${this.#key(table)} ${key} (not "<seq> <JSON>"); ${OTHER_PREFIX}`);
        }
        rows.push({ table, key, seq, json: text.slice(space + 1) });
      }
    });
    rows.sort((a, b) => a.seq - b.seq);
    for (const r of rows) this.#cache.load(r.table, r.key, { seq: r.seq, json: r.json });
  }

  #watchConnection(): void {
    this.#client.on('error', (err: unknown) => {
      this.#lastError = safeMessage(err);
      if (this.#connected) this.#log?.warn({ store: this.display, err: this.#lastError, pending: this.#cache.pending }, 'control store connection lost');
      this.#connected = false;
    });
    this.#client.on('ready', () => {
      if (!this.#connected) this.#log?.info({ store: this.display, pending: this.#cache.pending }, 'control store connection back');
      this.#connected = true;
      this.#send();
    });
  }

  /** Sends what changed as one transaction, unless one is in flight (its completion sends the next). */
  #send(): void {
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    if (this.#fenced || this.#inFlight || this.#cache.pending === 0 || !this.#client.isReady) return;
    const changes = this.#cache.take();
    const batch = ++this.#sent;
    this.#inFlight = true;
    this.#transaction(changes)
      .exec()
      .then(
        () => {
          this.#inFlight = false;
          this.#acked = batch;
          this.#lastError = undefined;
          this.#wake();
          this.#send();
        },
        (err: unknown) => {
          this.#inFlight = false;
          this.#cache.giveBack(changes);
          this.#lastError = safeMessage(err);
          // Disconnected, 'ready' sends again; connected (the server refused it), or reconnected before this
          // ran, the timer does.
          if (this.#client.isReady) this.#log?.warn({ store: this.display, err: this.#lastError, pending: this.#cache.pending }, 'control store write failed');
          this.#retry = setTimeout(() => this.#send(), RETRY_MS);
          this.#retry.unref();
        },
      );
  }

  #transaction(changes: readonly Change[]) {
    const puts = new Map<TableName, Record<string, string>>();
    const deletes = new Map<TableName, string[]>();
    for (const c of changes) {
      if (c.row) {
        let fields = puts.get(c.table);
        if (!fields) puts.set(c.table, (fields = {}));
        fields[c.key] = `${c.row.seq} ${c.row.json}`;
      } else {
        let keys = deletes.get(c.table);
        if (!keys) deletes.set(c.table, (keys = []));
        keys.push(c.key);
      }
    }
    const multi = this.#client.multi();
    for (const [table, fields] of puts) multi.hSet(this.#key(table), fields);
    for (const [table, keys] of deletes) multi.hDel(this.#key(table), keys);
    return multi;
  }

  #wake(): void {
    const ready = this.#waiters.filter((w) => w.batch <= this.#acked);
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => w.batch > this.#acked);
    for (const w of ready) w.resolve();
  }

  flush(): Promise<void> {
    // What is put so far is in the transaction in flight, or (if anything waits) in the one after it.
    const batch = this.#cache.pending > 0 ? this.#sent + 1 : this.#inFlight ? this.#sent : this.#acked;
    if (batch <= this.#acked) return Promise.resolve();
    if (this.#fenced) return Promise.reject(this.#fenced);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        const why = this.#lastError ?? (this.#client.isReady ? 'no answer' : 'not connected');
        reject(
          new ControlStoreUnavailableError(
            this.display,
            `did not take the head's writes within ${this.#flushTimeoutMs} ms (${why}); the head keeps the changed rows and writes them when the server answers again`,
          ),
        );
      }, this.#flushTimeoutMs);
      const waiter: FlushWaiter = {
        batch,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.#waiters.push(waiter);
      this.#send();
    });
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#cache.close();
      try {
        await this.flush();
      } finally {
        await this.#lock?.release();
        clearTimeout(this.#retry);
        if (this.#scheduled) clearImmediate(this.#scheduled);
        this.#client.destroy();
      }
    })();
    return this.#closing;
  }
}

const OTHER_PREFIX = 'give this cluster its own key prefix (?prefix=name in the --store URL) or another database (/N)';

function isAuthFailure(err: unknown): err is Error {
  return err instanceof Error && /^(WRONGPASS|NOAUTH|NOPERM)\b|\bAUTH\b.*\b(password|credentials)\b/i.test(err.message);
}

/** An error's message with any URL password hidden (node-redis messages do not carry one; this is a second line). */
function safeMessage(err: unknown): string {
  return redactUrl(errorMessage(err));
}
