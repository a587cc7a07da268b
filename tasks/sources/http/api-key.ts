/**
 * An API key that cannot leak by accident: printing, logging, JSON-serialising or inspecting it shows only
 * its fingerprint. The value comes out only through `reveal()`, which the HTTP layer calls while building
 * the request URL.
 */
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';

export class ApiKey {
  readonly #value: string;
  /** First 12 hex digits of the key's SHA-256: stable, safe to log, used by the quota ledger. */
  readonly id: string;

  constructor(value: string) {
    const v = value.trim();
    if (v.length === 0) throw new TypeError('an API key cannot be empty');
    this.#value = v;
    this.id = createHash('sha256').update(v).digest('hex').slice(0, 12);
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return `ApiKey(${this.id})`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
