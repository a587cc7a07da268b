/**
 * The head's live event feed (node up/down, job state, warnings, progress), fanned out to the dashboard and
 * CLI over ws. Subscribers that fall behind lose old events rather than growing the head's memory.
 */
import type { ClusterEvent, FeedEvent } from '../api/head-api.ts';

type Listener = (e: FeedEvent) => void;

export class EventHub {
  readonly #listeners = new Set<Listener>();
  readonly #recent: FeedEvent[] = [];
  /** The latest progress per id, so a dashboard opened mid-run sees current bars at once. */
  readonly #progress = new Map<string, FeedEvent>();

  publish(e: ClusterEvent): void {
    const ev: FeedEvent = { ...e, ts: Date.now() };
    if (e.type === 'progress') this.#progress.set(e.id, ev);
    else {
      this.#recent.push(ev);
      if (this.#recent.length > 200) this.#recent.shift();
    }
    for (const l of this.#listeners) l(ev);
  }

  subscribe(l: Listener): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }

  snapshot(): FeedEvent[] {
    return [...this.#recent, ...this.#progress.values()];
  }

  close(): void {
    this.#listeners.clear();
  }
}
