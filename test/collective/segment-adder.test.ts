// The ring's reduce step in WebAssembly SIMD gives bit for bit what the scalar Float32Array loop gives, for
// lengths that are not multiples of 4 and for segments anywhere in the output.
import { describe, expect, it } from 'vitest';
import { createSegmentAdder } from '../../cluster/collective/segment-adder.ts';

describe('segment adder', () => {
  it.each([1, 3, 4, 1001, 65_536])('adds a received segment of %i values exactly as the scalar loop', (len) => {
    const adder = createSegmentAdder(65_536);
    expect(adder.scratch.length).toBe(65_536);
    const out = Float32Array.from({ length: 70_000 }, (_, i) => Math.sin(i) * 1e3);
    const expected = Float32Array.from(out);
    const from = 17;
    for (let j = 0; j < len; j++) adder.scratch[j] = Math.cos(j) * 1e-3 + j;
    for (let j = 0; j < len; j++) expected[from + j]! += adder.scratch[j]!;
    adder.addInto(out, from, from + len);
    expect(Array.from(out)).toEqual(Array.from(expected));
  });
});
