/**
 * Task arguments: finding the ObjectRefs among them (dependencies that must be ready before the task is sent)
 * and encoding them for the wire. A top-level ObjectRef travels as the producer's bytes (small) or as a
 * location the worker pulls from (large), never decoded here. ObjectRefs nested in plain arrays and objects
 * are resolved too (as Dask does), by substituting their values.
 */
import { decodeValue, encodeValue } from '../objects/serialization.ts';
import { findRefs, isPlainContainer } from '../objects/ref-walk.ts';
import { isObjectRef, type ObjectRef } from './object-ref.ts';
import type { Arg } from '../proto/generated/convoy/v1/Arg.ts';
import type { ObjectEntry } from './owner-objects.ts';

const MAX_WALK = 100_000;

export interface ArgScan {
  /** Every ObjectRef in the arguments, top-level or nested. */
  readonly refs: ObjectRef[];
  /** True when some ref sits inside an array or object (those args are re-encoded with values substituted). */
  readonly nested: boolean;
}

export function scanArgs(args: readonly unknown[]): ArgScan {
  const refs: ObjectRef[] = [];
  let nested = false;
  for (const a of args) {
    if (isObjectRef(a)) refs.push(a);
    else if (isPlainContainer(a)) {
      const found = findRefs(a, MAX_WALK);
      if (found.refs.length) {
        refs.push(...(found.refs as ObjectRef[]));
        nested = true;
      }
    }
  }
  return { refs, nested };
}

/** A ready dependency: its encoded bytes if they are here, or where to pull them from. */
export type Resolved = { readonly entry: ObjectEntry; readonly bytes?: Uint8Array };

/**
 * Encodes arguments. `lookup(ref)` gives a ready entry; `fetchBytes` is used only for nested refs whose
 * value lives in a node's store (a top-level one travels as a location).
 */
export async function encodeArgs(
  args: readonly unknown[],
  scan: ArgScan,
  lookup: (ref: ObjectRef) => ObjectEntry,
  fetchBytes: (entry: ObjectEntry) => Promise<Uint8Array>,
): Promise<Arg[]> {
  const out: Arg[] = new Array(args.length);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (isObjectRef(a)) {
      const e = lookup(a);
      if (e.state === 'failed') throw e.error;
      out[i] = e.inline ? { value: e.inline } : { ref: e.location! };
    } else if (scan.nested && isPlainContainer(a)) {
      out[i] = { value: encodeValue(await substitute(a, lookup, fetchBytes)) };
    } else {
      out[i] = { value: encodeValue(a) };
    }
  }
  return out;
}

/** Same as encodeArgs for the common case with no refs at all: synchronous, no promise per task. */
export function encodePlainArgs(args: readonly unknown[]): Arg[] {
  const out: Arg[] = new Array(args.length);
  for (let i = 0; i < args.length; i++) out[i] = { value: encodeValue(args[i]) };
  return out;
}

async function substitute(
  v: unknown,
  lookup: (ref: ObjectRef) => ObjectEntry,
  fetchBytes: (entry: ObjectEntry) => Promise<Uint8Array>,
): Promise<unknown> {
  if (isObjectRef(v)) {
    const e = lookup(v);
    if (e.state === 'failed') throw e.error;
    return decodeValue(e.inline ?? (await fetchBytes(e)));
  }
  if (!isPlainContainer(v)) return v;
  if (Array.isArray(v)) return Promise.all(v.map((x) => substitute(x, lookup, fetchBytes)));
  const out: Record<string, unknown> = {};
  for (const k in v) out[k] = await substitute(v[k], lookup, fetchBytes);
  return out;
}
