/**
 * Ids. A client id is random; task and object ids are the client id plus a counter, which is unique without
 * coordination and cheap to make at 10,000+ tasks per second. A task's result object has the task's id.
 */
import { randomBytes } from 'node:crypto';

export function randomId(bytes = 6): string {
  return randomBytes(bytes).toString('hex');
}

export class IdSequence {
  #next = 1;
  constructor(readonly prefix: string) {}
  next(): string {
    return `${this.prefix}.${(this.#next++).toString(36)}`;
  }
}
