// The head's live feed keeps the latest report of each progress bar for pages that open later; a bar ends
// (and leaves every page) when the client reporting it is gone, or when nobody updated it for a long time.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FeedEvent } from '../../cluster/api/head-api.ts';
import { EventHub, PROGRESS_STALE_MS } from '../../cluster/head/events.ts';

const bar = (id: string, done = 1) => ({ type: 'progress' as const, id, label: id, done, total: 10, rate: 1, etaS: null });
const bars = (hub: EventHub) => hub.snapshot().flatMap((e) => (e.type === 'progress' ? [e.id] : []));

afterEach(() => vi.useRealTimers());

describe('EventHub progress', () => {
  it("ends a client's bars when the client is gone, and only its own", () => {
    const hub = new EventHub();
    const heard: FeedEvent[] = [];
    hub.subscribe((e) => heard.push(e));
    hub.publish(bar('collect'), 'client-a');
    hub.publish(bar('tune'), 'client-b');
    hub.publish(bar('collect', 5), 'client-a');
    hub.ownerGone('client-a', 'its driver has gone');
    expect(bars(hub)).toEqual(['tune']);
    expect(heard.at(-1)).toMatchObject({ type: 'progress-end', id: 'collect', reason: 'its driver has gone' });
    hub.ownerGone('client-a', 'again');
    expect(heard.filter((e) => e.type === 'progress-end')).toHaveLength(1);
  });

  it('ends a bar nobody updated for a long time, telling the pages', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const hub = new EventHub();
    const heard: FeedEvent[] = [];
    hub.subscribe((e) => heard.push(e));
    hub.publish(bar('posted-over-http'));
    hub.publish(bar('fresh'));
    vi.setSystemTime(1_000_000 + PROGRESS_STALE_MS - 1);
    hub.publish(bar('fresh', 2));
    expect(bars(hub).sort()).toEqual(['fresh', 'posted-over-http']);
    vi.setSystemTime(1_000_000 + PROGRESS_STALE_MS + 1);
    expect(bars(hub)).toEqual(['fresh']);
    expect(heard.filter((e) => e.type === 'progress-end').map((e) => (e as { id: string }).id)).toEqual(['posted-over-http']);
  });
});
