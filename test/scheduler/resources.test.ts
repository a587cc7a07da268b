import { describe, expect, it } from 'vitest';
import { add, fits, formatVector, shapeKey, shortfall, subtract, toVector, utilization } from '../../scheduler/resources.ts';

describe('resource vectors', () => {
  it('defaults a task to one CPU and drops zero entries', () => {
    expect(toVector({})).toEqual({ cpu: 1 });
    expect(toVector({ cpu: 0, gpu: 0 })).toEqual({});
    expect(toVector({ gpu: 1, custom: { tomtom_key: 1 } })).toEqual({ cpu: 1, gpu: 1, tomtom_key: 1 });
  });

  it('rejects negative, non-finite and clashing amounts with the name in the message', () => {
    expect(() => toVector({ cpu: -1 })).toThrow(/"cpu"/);
    expect(() => toVector({ memory: Number.NaN })).toThrow(/"memory"/);
    expect(() => toVector({ gpu: 1.5 })).toThrow(/whole number/);
    expect(() => toVector({ custom: { cpu: 2 } })).toThrow(/clashes/);
  });

  it('returns exactly to the start after adding and removing fractional requests', () => {
    let used = {};
    for (let i = 0; i < 10; i++) used = add(used, { cpu: 0.1 });
    expect(used).toEqual({ cpu: 1 });
    for (let i = 0; i < 10; i++) used = subtract(used, { cpu: 0.1 });
    expect(used).toEqual({ cpu: 0 });
  });

  it('fits only when every requested resource is available', () => {
    expect(fits({ cpu: 1 }, { cpu: 1 })).toBe(true);
    expect(fits({ cpu: 1, gpu: 1 }, { cpu: 4 })).toBe(false);
    expect(fits({}, {})).toBe(true);
    expect(shortfall({ cpu: 2, gpu: 1 }, { cpu: 4 })).toEqual(['gpu: 1 > 0']);
  });

  it('measures utilization over the resources a node has', () => {
    expect(utilization({ cpu: 4, gpu: 2 }, { cpu: 4, gpu: 2 })).toBe(0);
    expect(utilization({ cpu: 4, gpu: 2 }, { cpu: 2, gpu: 0 })).toBeCloseTo(0.75);
  });

  it('gives equal shapes the same key whatever the key order', () => {
    expect(shapeKey({ gpu: 1, cpu: 1 })).toBe(shapeKey({ cpu: 1, gpu: 1 }));
    expect(shapeKey({ cpu: 1 })).not.toBe(shapeKey({ cpu: 2 }));
  });
});

describe('formatVector', () => {
  it('shows what a user asked for, with memory in bytes units, and not the runtime’s bookkeeping', () => {
    expect(formatVector({ _slots: 1, cpu: 1, gpu: 1 })).toBe('{cpu: 1, gpu: 1}');
    expect(formatVector({ memory: 2 * 1024 ** 3, cpu: 0.5 })).toBe('{cpu: 0.5, memory: 2.0 GiB}');
    expect(formatVector({ _slots: 1 })).toBe('{}');
  });
});
