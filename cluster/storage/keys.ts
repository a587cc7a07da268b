import { InvalidKeyError } from './errors.ts';

/**
 * Checks that `key` is a relative, normalised `/`-separated path.
 *
 * Both backends map keys under a root (a folder, a bucket prefix); refusing `..`, absolute paths and empty
 * segments here is what keeps a key from escaping that root on the local backend and from naming a different
 * object than the local backend would on S3.
 */
export function assertValidKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidKeyError(String(key), 'it is empty');
  if (key.length > 1024) throw new InvalidKeyError(key, 'it is longer than 1024 characters');
  if (key.startsWith('/')) throw new InvalidKeyError(key, 'it starts with `/` (keys are relative)');
  if (key.endsWith('/')) throw new InvalidKeyError(key, 'it ends with `/` (a key names an object, not a folder)');
  if (key.includes('\\')) throw new InvalidKeyError(key, 'it contains a backslash');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) throw new InvalidKeyError(key, 'it contains a control character');
  for (const segment of key.split('/')) {
    if (segment === '') throw new InvalidKeyError(key, 'it contains an empty segment (`//`)');
    if (segment === '.' || segment === '..') throw new InvalidKeyError(key, `it contains a \`${segment}\` segment`);
  }
}

/** Checks a listing prefix: empty, or a key-like string that may end with `/`. */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  assertValidKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}
