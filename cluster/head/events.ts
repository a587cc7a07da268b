/**
 * The head's live event feed (node up/down, job state, warnings, progress), fanned out to the dashboard and
 * CLI over ws. Subscribers that fall behind lose old events rather than growing the head's memory.
 */
export type ClusterEvent =
  | { type: 'node'; nodeId: string; state: 'alive' | 'dead'; reason?: string }
  | { type: 'job'; jobId: string; status: string }
  | { type: 'warning'; message: string }
  | { type: 'progress'; id: string; label: string; done: number; total: number; rate: number; etaS: number | null; extra?: Record<string, unknown> };

type Listener = (e: ClusterEvent & { ts: number }) => void;

export class EventHub {
  readonly #listeners = new Set<Listener>();
  readonly #recent: (ClusterEvent & { ts: number })[] = [];
  /** The latest progress per id, so a dashboard opened mid-run sees current bars at once. */
  readonly #progress = new Map<string, ClusterEvent & { ts: number }>();

  publish(e: ClusterEvent): void {
    const ev = { ...e, ts: Date.now() };
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

  snapshot(): (ClusterEvent & { ts: number })[] {
    return [...this.#recent, ...this.#progress.values()];
  }

  close(): void {
    this.#listeners.clear();
  }
}
