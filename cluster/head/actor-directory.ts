/**
 * The actors every connected owner reported (GET /api/actors, the dashboard's actors page), after Ray's actor
 * table, but as a view: owners own their actors (they create, restart and kill them), and each sends the
 * states of all of its actors when one changes. A report replaces that owner's list; an owner gone for good
 * takes its list with it (its actors die with it). In memory only: owners send their lists again after a
 * head restart, when they reconnect.
 */
import type { ActorInfo } from '../api/head-api.ts';
import type { ActorReport } from '../proto/convert.ts';

/** Actors kept per owner, whatever it sends (the owner sends at most this many, live ones first). */
const PER_OWNER = 1000;

export class ActorDirectory {
  readonly #byOwner = new Map<string, { jobId: string; actors: ActorReport[] }>();

  report(owner: string, jobId: string, actors: readonly ActorReport[]): void {
    if (actors.length === 0) this.#byOwner.delete(owner);
    else this.#byOwner.set(owner, { jobId, actors: actors.slice(0, PER_OWNER) });
  }

  ownerGone(owner: string): void {
    this.#byOwner.delete(owner);
  }

  /** Every reported actor: live ones first (pending, starting, restarting and alive), then dead ones. */
  list(): ActorInfo[] {
    const out: ActorInfo[] = [];
    for (const [owner, { jobId, actors }] of this.#byOwner) for (const a of actors) out.push({ ...a, owner, jobId });
    return out.sort((a, b) => Number(a.state === 'dead') - Number(b.state === 'dead'));
  }
}
