/**
 * Opens the control store a head was given (`--store SPEC`; the forms are in common/store-spec.ts): memory,
 * a SQLite file (the default, `<sessionDir>/control.db`) or a Redis server. Each backend's module (and its
 * native addon or client) is loaded only when that backend is asked for.
 *
 * Only for the default: where better-sqlite3's native addon does not load in this Node.js (built for another
 * version, say), the head keeps its state in memory, as it did before stores persisted, and warns; a store
 * that was asked for by name fails instead.
 */
import type { Logger } from '../../common/logger.ts';
import { parseStoreSpec } from '../../common/store-spec.ts';
import type { ControlStore } from './control-store.ts';
import { MemoryControlStore } from './memory-store.ts';

export interface OpenStoreOptions {
  /** Told of failed writes, of a Redis connection lost and back, and of a default store that fell back to memory. */
  log?: Logger;
  /** Names the spec in errors. @default '--store' */
  source?: string;
  /** Redis: told when another head took the store from this one (it writes nothing more; the head should stop). */
  onTaken?: (err: Error) => void;
}

export async function openControlStore(spec: string | undefined, sessionDir: string, opts: OpenStoreOptions = {}): Promise<ControlStore> {
  const parsed = parseStoreSpec(spec, sessionDir, opts.source);
  switch (parsed.kind) {
    case 'memory':
      return new MemoryControlStore();
    case 'sqlite': {
      const { SqliteControlStore, sqliteUnavailable } = await import('./sqlite-store.ts');
      const missing = spec?.trim() ? undefined : sqliteUnavailable();
      if (missing) {
        opts.log?.warn({ reason: missing }, 'SQLite does not load here: the control store is in memory and a restarted head starts empty (npm rebuild better-sqlite3 fixes it)');
        return new MemoryControlStore();
      }
      return SqliteControlStore.open(parsed.file, { log: opts.log });
    }
    case 'redis': {
      const { RedisControlStore } = await import('./redis-store.ts');
      return RedisControlStore.open(parsed, { log: opts.log, lock: { onLost: opts.onTaken } });
    }
  }
}

/** Where a store keeps its rows, for logs and `convoy start`'s banner: a file, a URL without password, or memory. */
export function describeStore(store: ControlStore): string {
  if ('file' in store && typeof store.file === 'string') return store.file;
  if ('display' in store && typeof store.display === 'string') return store.display;
  return 'memory (not kept across a restart)';
}
