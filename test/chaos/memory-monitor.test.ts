/** The worker's memory monitor on readings the test makes up: when it calls for a stop, and when it waits. */
import { describe, expect, it } from 'vitest';
import { MemoryMonitor, readNodeMemory, type MemorySnapshot } from '../../cluster/worker/memory-monitor.ts';
import { eventually } from '../helpers/cluster.ts';

const reading = (usage: number): MemorySnapshot => ({ totalBytes: 100, availableBytes: 100 - usage * 100, usage, rssBytes: 1, source: 'meminfo' });

describe('memory monitor', () => {
  it('reads the node: a usage in [0, 1] of a positive total, and this process resident', () => {
    const s = readNodeMemory();
    expect(s.totalBytes).toBeGreaterThan(0);
    expect(s.usage).toBeGreaterThanOrEqual(0);
    expect(s.usage).toBeLessThanOrEqual(1);
    expect(s.rssBytes).toBeGreaterThan(0);
  });

  it('calls for a stop only past the threshold, then waits for a reading under it before the next', async () => {
    const usages = [0.5, 0.97, 0.97, 0.97, 0.5, 0.97, 0.5];
    const pressures: number[] = [];
    let reads = 0;
    const monitor = new MemoryMonitor({
      threshold: 0.95,
      intervalMs: 1,
      cooldownMs: 60_000,
      read: () => reading(usages[Math.min(reads++, usages.length - 1)]!),
      onPressure: (s) => {
        pressures.push(reads);
        expect(s.usage).toBe(0.97);
        return Promise.resolve();
      },
    });
    monitor.start();
    await eventually(() => reads >= usages.length + 2, 5000, 'all readings taken');
    monitor.stop();
    // The 2nd reading stops a task; the 3rd and 4th are put down to it; after the 5th (under) the 6th stops one.
    expect(pressures).toEqual([2, 6]);
  });

  it('keeps calling while nothing could be stopped (no cooldown without a stop)', async () => {
    let calls = 0;
    const monitor = new MemoryMonitor({ threshold: 0.9, intervalMs: 1, read: () => reading(0.99), onPressure: () => void calls++ });
    monitor.start();
    await eventually(() => calls >= 3, 5000, 'three calls');
    monitor.stop();
  });

  it('is off at a threshold of 1', () => {
    const monitor = new MemoryMonitor({ threshold: 1, read: () => reading(1), onPressure: () => undefined });
    expect(monitor.enabled).toBe(false);
    monitor.start();
    monitor.stop();
  });
});
