/**
 * Where a head keeps its control store, as given on the command line (`convoy start --head --store SPEC`,
 * CONVOY_STORE) or to the embedded cluster: parsed here, in the shared layer, so the CLI refuses a bad value
 * as a usage error before it starts a head that would fail on it. The head opens what this returns
 * (cluster/head/control/open-store.ts).
 *
 *   memory                                  nothing kept: a restarted head starts empty (tests)
 *   sqlite                                  <session folder>/control.db (the default)
 *   sqlite:/path/file.db, or any path ending .db
 *   redis://[user:password@]host[:port][/db][?prefix=name]   rediss:// for TLS; prefix defaults to convoy,
 *                                           so clusters sharing one Redis give each its own prefix
 */
import path from 'node:path';
import { ControlStoreSpecError } from './errors.ts';

export type StoreSpec =
  | { readonly kind: 'memory' }
  | { readonly kind: 'sqlite'; readonly file: string }
  | {
      readonly kind: 'redis';
      /** What the Redis client connects to: scheme, credentials, host, port and database; no query. */
      readonly url: string;
      /** Every key of this store starts with `<prefix>:`. */
      readonly prefix: string;
      /** The URL to show in messages and logs: the password replaced by `***`, the prefix as a query. */
      readonly display: string;
    };

export const DEFAULT_STORE_FILE = 'control.db';
export const DEFAULT_REDIS_PREFIX = 'convoy';
const PREFIX_PATTERN = /^[\w.:-]{1,100}$/;

/** `spec` as given (undefined or empty: the default, SQLite in `sessionDir`); `source` names it in errors. */
export function parseStoreSpec(spec: string | undefined, sessionDir: string, source = '--store'): StoreSpec {
  const given = spec?.trim() ?? '';
  if (given === '' || given === 'sqlite') return { kind: 'sqlite', file: path.resolve(sessionDir, DEFAULT_STORE_FILE) };
  if (given === 'memory') return { kind: 'memory' };
  const fail = (detail: string): never => {
    throw new ControlStoreSpecError(redactUrl(given), detail, source);
  };
  if (/^rediss?:\/\//i.test(given)) return parseRedis(given, fail);
  if (given.startsWith('sqlite:')) {
    const file = given.slice('sqlite:'.length);
    if (file === '') fail('names no file after sqlite:');
    return { kind: 'sqlite', file: path.resolve(file) };
  }
  if (/^[a-z][\w+.-]*:\/\//i.test(given)) fail('is a URL of a kind the head cannot keep its store in');
  if (/\.db$/i.test(given)) return { kind: 'sqlite', file: path.resolve(given) };
  return fail('is not a control store');
}

function parseRedis(given: string, fail: (detail: string) => never): StoreSpec {
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    return fail('is not a valid URL');
  }
  if (url.hostname === '') fail('names no host');
  const db = url.pathname.replace(/^\/+|\/+$/g, '');
  if (db !== '' && !/^\d{1,5}$/.test(db)) fail(`has "/${db}" where a database number belongs (e.g. /0); the key prefix goes in ?prefix=`);
  let prefix = DEFAULT_REDIS_PREFIX;
  for (const [k, v] of url.searchParams) {
    if (k !== 'prefix') fail(`has an unknown query parameter "${k}" (only prefix is known)`);
    if (!PREFIX_PATTERN.test(v)) fail(`has prefix "${v}": use 1 to 100 letters, digits, or . _ : -`);
    prefix = v;
  }
  if (url.hash !== '') fail('has a #fragment');
  const base = `${url.protocol}//${url.username || url.password ? `${url.username}:${url.password}@` : ''}${url.host}${db === '' ? '' : `/${db}`}`;
  return { kind: 'redis', url: base, prefix, display: `${redactUrl(base)}?prefix=${prefix}` };
}

/** The URL (or anything holding one) with the password of its `//user:password@` part replaced by `***`. */
export function redactUrl(text: string): string {
  return text.replace(/(\/\/[^/@:?#]*:)[^/?#]*@/g, '$1***@');
}
