/**
 * A reference to a value in the cluster: a task's result, an actor call's result, or a `put` value.
 * Pass it to other tasks (it is resolved before they run) or read it with `cluster.get(ref)`.
 */
import { REF_MARK, isRefLike } from '../objects/ref-walk.ts';

export class ObjectRef<T = unknown> {
  /** Only for typing: an ObjectRef<T> is not assignable to ObjectRef<U>. */
  declare readonly __type?: T;
  readonly [REF_MARK] = true;

  constructor(
    /** The object's id: `<owner>.<n>`. */
    readonly id: string,
    /** The client that owns it (tracks its state and frees it). */
    readonly owner: string,
  ) {}

  toString(): string {
    return `ObjectRef(${this.id})`;
  }

  toJSON(): { objectRef: string } {
    return { objectRef: this.id };
  }
}

/** True for ObjectRefs, including ones that crossed a thread or process as plain objects. */
export function isObjectRef(v: unknown): v is ObjectRef {
  return v instanceof ObjectRef || isRefLike(v);
}

/**
 * An argument may be given as the value or as a reference to it; arrays and plain objects may hold references
 * too (they are resolved before the task runs).
 */
export type RefOr<T> =
  | T
  | ObjectRef<T>
  | (T extends readonly (infer U)[] ? readonly RefOr<U>[] : never)
  | (T extends Record<string, unknown> ? { [K in keyof T]: RefOr<T[K]> } : never);
export type RefArgs<A extends readonly unknown[]> = { [K in keyof A]: RefOr<A[K]> };
