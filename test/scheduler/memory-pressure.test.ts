import { describe, expect, it } from 'vitest';
import { chooseTaskToKill, isOverThreshold, memoryUsageFraction, parseMemoryUsageThreshold, type RunningTask } from '../../scheduler/memory-pressure.ts';

const task = (taskId: string, startedAt: number, retryable = true, killable = true): RunningTask => ({ taskId, startedAt, retryable, killable });

/** The policy written the slow, obvious way: sort the killable ones by (retryable, startedAt, taskId), take the top. */
function reference(running: readonly RunningTask[]): RunningTask | undefined {
  const killable = running.filter((t) => t.killable);
  killable.sort((a, b) => Number(b.retryable) - Number(a.retryable) || b.startedAt - a.startedAt || (a.taskId < b.taskId ? 1 : a.taskId > b.taskId ? -1 : 0));
  return killable[0];
}

function* permutations<T>(xs: readonly T[]): Generator<T[]> {
  if (xs.length <= 1) {
    yield [...xs];
    return;
  }
  for (let i = 0; i < xs.length; i++) {
    const rest = [...xs.slice(0, i), ...xs.slice(i + 1)];
    for (const p of permutations(rest)) yield [xs[i]!, ...p];
  }
}

describe('chooseTaskToKill', () => {
  it('kills nothing when nothing runs', () => {
    expect(chooseTaskToKill([])).toBeUndefined();
  });

  it('prefers the newest retryable task', () => {
    const running = [task('a', 1), task('b', 3), task('c', 2)];
    expect(chooseTaskToKill(running)?.taskId).toBe('b');
  });

  it('prefers an older retryable task over a newer one that would not be retried', () => {
    const running = [task('old', 1, true), task('new', 9, false)];
    expect(chooseTaskToKill(running)?.taskId).toBe('old');
  });

  it('kills the newest non-retryable task when no retryable one runs', () => {
    const running = [task('a', 1, false), task('b', 5, false), task('c', 3, false)];
    expect(chooseTaskToKill(running)?.taskId).toBe('b');
  });

  it('never kills a task that shares its thread, even the newest retryable one', () => {
    const running = [task('shared', 9, true, false), task('alone', 1, false, true)];
    expect(chooseTaskToKill(running)?.taskId).toBe('alone');
    expect(chooseTaskToKill([task('shared', 9, true, false)])).toBeUndefined();
  });

  it('breaks ties on start time by task id, whatever the order given', () => {
    expect(chooseTaskToKill([task('t1', 4), task('t2', 4)])?.taskId).toBe('t2');
    expect(chooseTaskToKill([task('t2', 4), task('t1', 4)])?.taskId).toBe('t2');
  });

  it('agrees with the reference on every set of up to 4 tasks (each flag, start time 0-2), in every order', () => {
    // Every task is one of 2 (retryable) × 2 (killable) × 3 (startedAt) kinds; sets of up to 4 such tasks.
    const kinds: Array<Omit<RunningTask, 'taskId'>> = [];
    for (const retryable of [false, true]) for (const killable of [false, true]) for (const startedAt of [0, 1, 2]) kinds.push({ retryable, killable, startedAt });
    let cases = 0;
    const grow = (chosen: RunningTask[], from: number): void => {
      for (const p of permutations(chosen)) {
        const got = chooseTaskToKill(p);
        const want = reference(p);
        expect(got?.taskId, JSON.stringify(p)).toBe(want?.taskId);
        if (got) {
          // The choice is one of the killable tasks, and none ranks above it.
          expect(got.killable).toBe(true);
          for (const t of p) if (t.killable && t.retryable === got.retryable) expect(t.startedAt).toBeLessThanOrEqual(got.startedAt);
          if (!got.retryable) expect(p.some((t) => t.killable && t.retryable)).toBe(false);
        } else {
          expect(p.every((t) => !t.killable)).toBe(true);
        }
        cases++;
      }
      if (chosen.length === 4) return;
      for (let k = from; k < kinds.length; k++) grow([...chosen, { ...kinds[k]!, taskId: `t${chosen.length}` }], k);
    };
    grow([], 0);
    expect(cases).toBeGreaterThan(10_000);
  });
});

describe('memory usage', () => {
  it('is the used fraction of the total, clamped to [0, 1]', () => {
    expect(memoryUsageFraction(25, 100)).toBe(0.75);
    expect(memoryUsageFraction(100, 100)).toBe(0);
    expect(memoryUsageFraction(0, 100)).toBe(1);
    expect(memoryUsageFraction(-5, 100)).toBe(1);
    expect(memoryUsageFraction(150, 100)).toBe(0);
    expect(memoryUsageFraction(10, 0)).toBe(0);
  });

  it('is over the threshold only strictly above it, and never with a threshold of 1', () => {
    expect(isOverThreshold(0.96, 0.95)).toBe(true);
    expect(isOverThreshold(0.95, 0.95)).toBe(false);
    expect(isOverThreshold(0.5, 0.95)).toBe(false);
    expect(isOverThreshold(1, 1)).toBe(false);
  });

  it('parses a threshold in (0, 1] and names the source of a bad one', () => {
    expect(parseMemoryUsageThreshold('0.95', '--memory-usage-threshold')).toBe(0.95);
    expect(parseMemoryUsageThreshold('1', 'x')).toBe(1);
    for (const bad of ['', '0', '-0.1', '1.5', 'abc', 'NaN']) {
      expect(() => parseMemoryUsageThreshold(bad, 'CONVOY_MEMORY_USAGE_THRESHOLD')).toThrow(/CONVOY_MEMORY_USAGE_THRESHOLD must be a fraction/);
    }
  });
});
