/**
 * Turns a task's arguments into bytes before it runs (Ray's `DependencyResolver` on the worker side): inline
 * values as they came, object references from this node's store, pulling objects held elsewhere once into it.
 * Referenced objects stay pinned (never spilled while the task reads them) until `release`.
 *
 * Two ways out of the store: `lend` for a pool thread, which gives each loan back once it has dropped the
 * bytes, so the memory can be reused once the object is freed; `resolve` for readers whose hold on the
 * memory cannot be followed (actor threads and processes, GPU trainer processes), whose memory is never reused.
 */
import { ObjectLostError } from '../common/errors.ts';
import type { Arg__Output } from '../proto/generated/convoy/v1/Arg.ts';
import type { ObjectLocation__Output } from '../proto/generated/convoy/v1/ObjectLocation.ts';
import type { Loan, ObjectStore } from '../objects/object-store.ts';
import type { LentArgs, TaskArguments } from './node-services.ts';

export class ArgumentResolver implements TaskArguments {
  constructor(
    private readonly store: ObjectStore,
    /** Brings an object held on another node into the local store. */
    private readonly pull: (loc: ObjectLocation__Output) => Promise<void>,
    private readonly nodeId: string,
  ) {}

  /** Arguments as bytes, for a reader the store cannot follow. */
  async resolve(args: readonly Arg__Output[]): Promise<Uint8Array[]> {
    return (await this.#resolve(args, false)).bytes;
  }

  /** Arguments as bytes lent to a pool thread (`loans[i]` for object arguments in reusable memory). */
  lend(args: readonly Arg__Output[]): Promise<LentArgs> {
    return this.#resolve(args, true);
  }

  /** Unpins what resolve or lend pinned, once the task is done with its arguments. */
  release(args: readonly Arg__Output[]): void {
    for (const a of args) if (a.kind === 'ref' && a.ref) this.store.unpin(a.ref.objectId);
  }

  /** Loans of arguments that never reached a thread (the task was cancelled first). */
  returnLoans(loans: readonly (number | undefined)[]): void {
    this.store.returnLoans(loans.filter((l): l is number => l !== undefined));
  }

  async #resolve(args: readonly Arg__Output[], lend: boolean): Promise<LentArgs> {
    const bytes: Uint8Array[] = new Array(args.length);
    const loans: (number | undefined)[] = new Array(args.length);
    const take = (objectId: string, held: Loan | Uint8Array | undefined, i: number): boolean => {
      if (!held) return false;
      this.store.pin(objectId);
      if (held instanceof Uint8Array) bytes[i] = held;
      else {
        bytes[i] = held.bytes;
        loans[i] = held.loan;
      }
      return true;
    };
    let pending: Promise<void>[] | undefined;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a.kind === 'ref' && a.ref) {
        const ref = a.ref;
        const id = ref.objectId;
        if (take(id, lend ? this.store.lendInMemory(id) : this.store.get(id), i)) continue;
        const read = (): Promise<Loan | Uint8Array | undefined> => (lend ? this.store.lend(id) : this.store.load(id));
        const fetch = this.store.has(id) ? read() : this.pull(ref).then(read);
        (pending ??= []).push(
          fetch.then((held) => {
            if (!take(id, held, i)) throw new ObjectLostError(id, `it was freed on node ${this.nodeId} before the task could read it`);
          }),
        );
      } else {
        bytes[i] = a.value ?? new Uint8Array(0);
      }
    }
    if (pending) {
      const settled = await Promise.allSettled(pending);
      const failed = settled.find((r) => r.status === 'rejected');
      if (failed) {
        this.release(args);
        this.returnLoans(loans);
        throw (failed as PromiseRejectedResult).reason;
      }
    }
    return { bytes, loans };
  }
}
