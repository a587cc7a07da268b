/**
 * The in-memory side of a control store that writes behind (SQLite, Redis): every table's rows as JSON text,
 * read from here, and the keys changed since the last write, which the backend takes once per event-loop
 * turn and writes in one transaction.
 *
 * Rows are kept as JSON text because a backend stores them so: a value is serialized once, on put, and is the
 * same before and after a restart (what JSON drops is dropped at once, not only after a reopen). Changes are
 * kept as keys, not as a log: a node that heartbeats ten times in a turn is written once, with its latest
 * row, and a write that failed is retried by marking its keys changed again (the row written is always the
 * newest, so a retry can never put an older value over a newer one).
 *
 * Order: each key gets a sequence number when first put (kept when replaced, a new one after a delete); the
 * backend stores it and loads rows in its order, so `list()` keeps first-put order across a reopen.
 */
import { IllegalStateError } from '../../common/errors.ts';
import type { ControlStore, Table, TableName } from './control-store.ts';
import { TABLE_NAMES } from './control-store.ts';

/** A stored row: its first-put sequence number and its value as JSON. */
export interface Row {
  readonly seq: number;
  readonly json: string;
}

/** One key's change, as the backend writes it: the row to upsert, or none to delete. */
export interface Change {
  readonly table: TableName;
  readonly key: string;
  readonly row: Row | undefined;
}

class CachedTable<V> implements Table<V> {
  readonly rows = new Map<string, Row>();

  constructor(
    private readonly name: TableName,
    private readonly cache: TableCache,
  ) {}

  get(key: string): V | undefined {
    const row = this.rows.get(key);
    return row === undefined ? undefined : (JSON.parse(row.json) as V);
  }

  has(key: string): boolean {
    return this.rows.has(key);
  }

  put(key: string, value: V): void {
    this.cache.checkOpen();
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError(`cannot store ${String(value)} under ${this.name}/${key}: a control store row must be a JSON value`);
    this.rows.set(key, { seq: this.rows.get(key)?.seq ?? this.cache.nextSeq(), json });
    this.cache.changed(this.name, key);
  }

  delete(key: string): boolean {
    this.cache.checkOpen();
    if (!this.rows.delete(key)) return false;
    this.cache.changed(this.name, key);
    return true;
  }

  list(): V[] {
    const out: V[] = [];
    for (const row of this.rows.values()) out.push(JSON.parse(row.json) as V);
    return out;
  }

  keys(): string[] {
    return [...this.rows.keys()];
  }

  size(): number {
    return this.rows.size;
  }
}

export class TableCache {
  /** The tables as the head sees them. */
  readonly tables: { readonly [T in TableName]: ControlStore[T] };
  readonly #cached = new Map<TableName, CachedTable<unknown>>();
  readonly #dirty = new Map<TableName, Set<string>>();
  #seq = 0;
  #pending = 0;
  #closed = false;

  /** `onChange` runs on the first change after each `take()`: the backend schedules its write there. */
  constructor(
    private readonly describe: string,
    private readonly onChange: () => void,
  ) {
    for (const name of TABLE_NAMES) this.#cached.set(name, new CachedTable(name, this));
    this.tables = Object.fromEntries(this.#cached) as unknown as TableCache['tables'];
  }

  #rows(table: TableName): Map<string, Row> {
    return this.#cached.get(table)!.rows;
  }

  /** Adds a row read from the backend; call in sequence order, before any put. */
  load(table: TableName, key: string, row: Row): void {
    this.#rows(table).set(key, row);
    if (row.seq >= this.#seq) this.#seq = row.seq + 1;
  }

  nextSeq(): number {
    return this.#seq++;
  }

  changed(table: TableName, key: string, quiet = false): void {
    let keys = this.#dirty.get(table);
    if (!keys) this.#dirty.set(table, (keys = new Set()));
    const before = keys.size;
    keys.add(key);
    if (keys.size === before) return;
    if (this.#pending++ === 0 && !quiet) this.onChange();
  }

  /** How many keys wait to be written. */
  get pending(): number {
    return this.#pending;
  }

  /** The changed keys with their current rows, forgotten here: the backend writes them, or gives them back. */
  take(): Change[] {
    const out: Change[] = [];
    for (const [table, keys] of this.#dirty) {
      const rows = this.#rows(table);
      for (const key of keys) out.push({ table, key, row: rows.get(key) });
    }
    this.#dirty.clear();
    this.#pending = 0;
    return out;
  }

  /**
   * Marks the keys of a write that failed as changed again (the retry writes their rows as they are then).
   * `onChange` does not run for them: the backend that gave them back decides when to try again.
   */
  giveBack(changes: readonly Change[]): void {
    for (const c of changes) this.changed(c.table, c.key, true);
  }

  checkOpen(): void {
    if (this.#closed) throw new IllegalStateError(`${this.describe} is closed: a head writes its control store only while it runs`);
  }

  close(): void {
    this.#closed = true;
  }
}
