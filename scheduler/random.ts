/**
 * A small, fast, seedable PRNG (mulberry32): random search spaces and shuffle buffers draw from it, so the same
 * seed gives the same trials and the same batches. Quality is ample for both; it is not for cryptography.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
