import { describe, expect, it } from 'vitest';
import { learningCurve } from '../../cluster/tune/learning-curve.ts';

const results = (n: number) => Array.from({ length: n }, (_, i) => ({ iteration: i + 1, metrics: { loss: 1 / (i + 1) }, at: 0 }));

describe('learningCurve', () => {
  it('keeps every iteration that reported the metric, as [iteration, value]', () => {
    const r = [...results(3), { iteration: 4, metrics: { other: 1 }, at: 0 }];
    expect(learningCurve(r, 'loss')).toEqual([[1, 1], [2, 0.5], [3, 1 / 3]]);
  });

  it('downsamples a long trial to the bound, keeping its first and last iteration in order', () => {
    const c = learningCurve(results(1000), 'loss', 200);
    expect(c).toHaveLength(200);
    expect(c[0]).toEqual([1, 1]);
    expect(c.at(-1)).toEqual([1000, 1 / 1000]);
    expect(c.every((p, i) => i === 0 || p[0] > c[i - 1]![0])).toBe(true);
  });
});
