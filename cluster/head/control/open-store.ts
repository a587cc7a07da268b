/**
 * Opens the control store a head was given (`--store SPEC`; the forms are in common/store-spec.ts): memory,
 * a SQLite file (the default, `<sessionDir>/control.db`) or a Redis server. The Redis client is loaded only
 * for a Redis store, so a head on SQLite does not pay for it.
 */
import type { Logger } from '../../common/logger.ts';
import { parseStoreSpec } from '../../common/store-spec.ts';
import type { ControlStore } from './control-store.ts';
import { MemoryControlStore } from './memory-store.ts';
import { SqliteControlStore } from './sqlite-store.ts';

export interface OpenStoreOptions {
  /** Told of failed writes and of a Redis connection lost and back. */
  log?: Logger;
  /** Names the spec in errors. @default '--store' */
  source?: string;
}

export async function openControlStore(spec: string | undefined, sessionDir: string, opts: OpenStoreOptions = {}): Promise<ControlStore> {
  const parsed = parseStoreSpec(spec, sessionDir, opts.source);
  switch (parsed.kind) {
    case 'memory':
      return new MemoryControlStore();
    case 'sqlite':
      return SqliteControlStore.open(parsed.file, { log: opts.log });
    case 'redis': {
      const { RedisControlStore } = await import('./redis-store.ts');
      return RedisControlStore.open(parsed, { log: opts.log });
    }
  }
}
