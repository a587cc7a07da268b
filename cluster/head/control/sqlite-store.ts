/**
 * The control store in one SQLite file (better-sqlite3, WAL): the head's default, `<session>/control.db`.
 *
 * Reads come from memory (table-cache.ts) and writes go behind: the keys changed in one event-loop turn are
 * written in one transaction on the next setImmediate, and at flush() and close(). A head writes on every
 * heartbeat and every task-count report; measured here, one autocommitted upsert costs about 38 µs and a row
 * in a ten-row transaction about 8 µs, and a node that heartbeats twice in a turn is written once. What a
 * killed head loses is the changes of its last turn at most; a caller that must know a row is on disk
 * awaits flush().
 *
 * synchronous=NORMAL: in WAL mode a commit then survives the head process dying (the OS holds the pages) but
 * not the machine losing power; FULL would fsync on every turn. A head that must survive its machine uses
 * the Redis store (redis-store.ts).
 *
 * The file is the head's alone: the store takes SQLite's exclusive lock at open (locking_mode=EXCLUSIVE,
 * released when the process ends, however it ends), so a second head on the same file is refused instead of
 * two heads writing over each other. It is marked as Convoy's by its application id, and its layout by
 * user_version; a file that is not one, is damaged or is newer is refused with a ControlStoreFileError that
 * says what to do with it. Rows: (tbl, key) → seq, value as JSON; seq is the first-put order.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ControlStoreFileError, errorMessage } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import type { ControlStore, TableName } from './control-store.ts';
import { TABLE_NAMES } from './control-store.ts';
import { TableCache, type Change } from './table-cache.ts';

/** 'Conv' as a big-endian 32-bit integer: SQLite's PRAGMA application_id, in the file's header. */
const APPLICATION_ID = 0x436f6e76;
/** The layout this code writes and reads; a file with a higher one is refused, a lower one would be migrated. */
export const SQLITE_SCHEMA_VERSION = 1;
/** A write that failed (disk full, I/O error) is tried again after this long, and at every flush. */
const RETRY_MS = 1000;
/** A head that was just killed has released the lock; one that is closing may need a moment. */
const BUSY_TIMEOUT_MS = 2000;

const KNOWN_TABLES = new Set<string>(TABLE_NAMES);

export interface SqliteStoreOptions {
  /** Told when a write fails (the rows stay queued and are retried) and when writing works again. */
  log?: Logger;
}

export class SqliteControlStore implements ControlStore {
  readonly file: string;
  readonly nodes: ControlStore['nodes'];
  readonly leases: ControlStore['leases'];
  readonly objects: ControlStore['objects'];
  readonly clients: ControlStore['clients'];
  readonly jobs: ControlStore['jobs'];
  readonly taskSummaries: ControlStore['taskSummaries'];
  readonly tuneRuns: ControlStore['tuneRuns'];
  readonly placementGroups: ControlStore['placementGroups'];
  readonly meta: ControlStore['meta'];
  readonly #db: Database.Database;
  readonly #cache: TableCache;
  readonly #write: (changes: readonly Change[]) => void;
  readonly #log: Logger | undefined;
  #scheduled: NodeJS.Immediate | undefined;
  #retry: NodeJS.Timeout | undefined;
  #failure: ControlStoreFileError | undefined;
  #closing: Promise<void> | undefined;

  private constructor(file: string, db: Database.Database, opts: SqliteStoreOptions) {
    this.file = file;
    this.#db = db;
    this.#log = opts.log;
    this.#cache = new TableCache(`the control store ${file}`, () => {
      this.#scheduled ??= setImmediate(() => this.#commit());
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
    const upsert = db.prepare<[string, string, number, string]>(
      'INSERT INTO rows (tbl, key, seq, value) VALUES (?, ?, ?, ?) ON CONFLICT (tbl, key) DO UPDATE SET seq = excluded.seq, value = excluded.value',
    );
    const remove = db.prepare<[string, string]>('DELETE FROM rows WHERE tbl = ? AND key = ?');
    this.#write = db.transaction((changes: readonly Change[]) => {
      for (const c of changes) {
        if (c.row) upsert.run(c.table, c.key, c.row.seq, c.row.json);
        else remove.run(c.table, c.key);
      }
    });
  }

  /** Opens the store in `file`, creating it (mode 0600, its folder 0700) when absent, and loads every row. */
  static open(file: string, opts: SqliteStoreOptions = {}): SqliteControlStore {
    const abs = path.resolve(file);
    let db: Database.Database | undefined;
    try {
      mkdirSync(path.dirname(abs), { recursive: true, mode: 0o700 });
      // SQLite would create it with the umask's mode; the store holds the token's hash and the cluster's
      // layout, so it is made private first. Its -wal and -shm files take the same mode from it.
      closeSync(openSync(abs, 'a', 0o600));
      db = new Database(abs);
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      db.pragma('locking_mode = EXCLUSIVE');
      checkIdentity(abs, db);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // Takes the exclusive lock now (kept until close), so a second head fails here, not at its first write.
      db.exec('BEGIN EXCLUSIVE; COMMIT');
      const store = new SqliteControlStore(abs, db, opts);
      store.#load();
      return store;
    } catch (err) {
      db?.close();
      throw asFileError(abs, err);
    }
  }

  #load(): void {
    const rows = this.#db.prepare<[], { tbl: string; key: string; seq: number; value: string }>('SELECT tbl, key, seq, value FROM rows ORDER BY seq');
    for (const r of rows.iterate()) {
      // A table a later Convoy added: left in the file as it is.
      if (KNOWN_TABLES.has(r.tbl)) this.#cache.load(r.tbl as TableName, r.key, { seq: r.seq, json: r.value });
    }
  }

  /** Writes what changed since the last commit, in one transaction; a failure keeps it queued for a retry. */
  #commit(): void {
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    if (this.#cache.pending === 0) return;
    const changes = this.#cache.take();
    try {
      this.#write(changes);
    } catch (err) {
      this.#cache.giveBack(changes);
      const first = this.#failure === undefined;
      this.#failure = new ControlStoreFileError(
        this.file,
        'unwritable',
        `could not be written (${errorMessage(err)}); ${this.#cache.pending} changed rows wait in the head's memory and are written once the file takes writes again (free disk space)`,
        { cause: err },
      );
      if (first) this.#log?.error({ file: this.file, err: errorMessage(err), pending: this.#cache.pending }, 'control store write failed');
      this.#retry = setTimeout(() => this.#commit(), RETRY_MS);
      this.#retry.unref();
      return;
    }
    if (this.#failure) this.#log?.info({ file: this.file }, 'control store writes again');
    this.#failure = undefined;
  }

  flush(): Promise<void> {
    this.#commit();
    return this.#failure ? Promise.reject(this.#failure) : Promise.resolve();
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#cache.close();
      try {
        this.#commit();
        if (this.#failure) throw this.#failure;
      } finally {
        clearTimeout(this.#retry);
        // Closing the last connection checkpoints the WAL into the file and removes it.
        this.#db.close();
      }
    })();
    return this.#closing;
  }
}

let addonProblem: string | undefined | null = null;

/**
 * Why better-sqlite3's native addon does not load in this Node.js (compiled for another version, missing),
 * or undefined when it does. Tried once.
 */
export function sqliteUnavailable(): string | undefined {
  if (addonProblem === null) {
    try {
      new Database(':memory:').close();
      addonProblem = undefined;
    } catch (err) {
      addonProblem = errorMessage(err).replace(/\s+/g, ' ').slice(0, 300);
    }
  }
  return addonProblem;
}

/** Refuses a file that is not a Convoy control store of a layout this code reads; sets up an empty one. */
function checkIdentity(file: string, db: Database.Database): void {
  const appId = Number(db.pragma('application_id', { simple: true }));
  const version = Number(db.pragma('user_version', { simple: true }));
  const tables = db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
  if (appId === 0 && tables.length === 0) {
    db.exec(`
      BEGIN;
      CREATE TABLE rows (tbl TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL, value TEXT NOT NULL, PRIMARY KEY (tbl, key)) WITHOUT ROWID;
      PRAGMA application_id = ${APPLICATION_ID};
      PRAGMA user_version = ${SQLITE_SCHEMA_VERSION};
      COMMIT;
    `);
    return;
  }
  if (appId !== APPLICATION_ID) {
    const what = appId === 0 ? `its tables: ${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', …' : ''}` : `application id 0x${appId.toString(16)}`;
    throw new ControlStoreFileError(file, 'foreign', `is an SQLite database of another program (${what}), not a Convoy control store; ${MOVE_IT}`);
  }
  if (version > SQLITE_SCHEMA_VERSION) {
    throw new ControlStoreFileError(
      file,
      'newer',
      `was written by a newer Convoy (store layout ${version}; this one reads up to ${SQLITE_SCHEMA_VERSION}); run that Convoy's head on it, or ${MOVE_IT}`,
    );
  }
  if (version < 1 || !tables.includes('rows')) {
    throw new ControlStoreFileError(file, 'corrupt', `is marked as a Convoy control store but has no rows table (layout ${version}); ${MOVE_IT}`);
  }
}

const MOVE_IT = 'move it away (the head then starts on an empty store) or start the head with another one (--store sqlite:/path/other.db)';

/** What better-sqlite3 or the file system threw at open, as the ControlStoreFileError a user can act on. */
function asFileError(file: string, err: unknown): ControlStoreFileError {
  if (err instanceof ControlStoreFileError) return err;
  const code = String((err as { code?: unknown }).code ?? '');
  const reason = errorMessage(err).replace(/\s+/g, ' ');
  if (code === 'SQLITE_NOTADB') return new ControlStoreFileError(file, 'foreign', `is not an SQLite database, so not a Convoy control store (${reason}); ${MOVE_IT}`, { cause: err });
  if (code.startsWith('SQLITE_CORRUPT')) return new ControlStoreFileError(file, 'corrupt', `is damaged (${reason}); ${MOVE_IT}`, { cause: err });
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new ControlStoreFileError(file, 'locked', 'is in use by another Convoy head (each store belongs to one head): stop that head first, or give this one another store with --store', {
      cause: err,
    });
  }
  if (isAddonFailure(err)) {
    return new ControlStoreFileError(
      file,
      'unreadable',
      `cannot be opened: SQLite's native addon (better-sqlite3) does not load in this Node.js ${process.version} (${reason}); rebuild it (npm rebuild better-sqlite3), or give another store with --store (redis://… or memory)`,
      { cause: err },
    );
  }
  return new ControlStoreFileError(file, 'unreadable', `cannot be opened (${reason}): check that its folder is writable by this user, or give another store with --store`, { cause: err });
}

function isAddonFailure(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'ERR_DLOPEN_FAILED' || /better_sqlite3\.node|NODE_MODULE_VERSION|did not self-register/.test(errorMessage(err));
}
