/**
 * The head's live event feed (node up/down, job state, warnings, progress), fanned out to the dashboard and
 * CLI over ws. Subscribers that fall behind lose old events rather than growing the head's memory.
 */
import type { ClusterEvent, FeedEvent } from '../api/head-api.ts';

type Listener = (e: FeedEvent) => void;

/** A progress bar no one updated for this long (one posted over HTTP, whose sender is not tracked) is over. */
export const PROGRESS_STALE_MS = 10 * 60_000;

/** Node, job and warning events kept for a page opened later, by default; the oldest goes first. */
export const DEFAULT_EVENTS_KEPT = 200;

export class EventHub {
  readonly #listeners = new Set<Listener>();
  readonly #recent: FeedEvent[] = [];
  /** The latest progress per id, so a dashboard opened mid-run sees current bars at once. */
  readonly #progress = new Map<string, FeedEvent>();
  /** Which client reports each bar, so the bar ends when that client is gone. */
  readonly #owners = new Map<string, string>();

  constructor(readonly kept = DEFAULT_EVENTS_KEPT) {
    if (!Number.isInteger(kept) || kept < 1) throw new RangeError(`the events kept must be a whole number of at least 1, not ${kept}`);
  }

  /** `owner`: the client whose session carried a progress report; its bars end with it (`ownerGone`). */
  publish(e: ClusterEvent, owner?: string): void {
    const ev: FeedEvent = { ...e, ts: Date.now() };
    if (e.type === 'progress') {
      this.#progress.set(e.id, ev);
      if (owner) this.#owners.set(e.id, owner);
      this.#endStale(ev.ts);
    } else if (e.type === 'progress-end') {
      this.#progress.delete(e.id);
      this.#owners.delete(e.id);
    } else {
      this.#recent.push(ev);
      if (this.#recent.length > this.kept) this.#recent.shift();
    }
    for (const l of this.#listeners) l(ev);
  }

  subscribe(l: Listener): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }

  snapshot(): FeedEvent[] {
    this.#endStale(Date.now());
    return [...this.#recent, ...this.#progress.values()];
  }

  /** A client is gone for good: its progress bars end (a dead driver's bar would otherwise stay for ever). */
  ownerGone(owner: string, reason: string): void {
    for (const [id, o] of [...this.#owners]) if (o === owner) this.publish({ type: 'progress-end', id, reason });
  }

  #endStale(now: number): void {
    for (const [id, ev] of [...this.#progress]) {
      if (now - ev.ts > PROGRESS_STALE_MS) this.publish({ type: 'progress-end', id, reason: `no update for ${PROGRESS_STALE_MS / 60_000} minutes` });
    }
  }

  close(): void {
    this.#listeners.clear();
  }
}
