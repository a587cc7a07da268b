/**
 * Counter-based randomness: every random quantity is a hash of what it describes (seed, city, segment,
 * time), never the next draw from a stream.
 *
 * That is what makes a shard's samples a pure function of its spec: two shards that overlap produce the same
 * readings for the same (segment, instant), a retried shard reproduces itself bit for bit, and the order in
 * which threads generate does not matter. The mixer is the 32-bit finaliser of MurmurHash3, which passes
 * avalanche tests and costs a few integer multiplies.
 */

/** Mixes `b` into hash state `a`. */
export function mix(a: number, b: number): number {
  let h = Math.imul(a ^ b, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** Uniform in [0, 1) from a 32-bit hash. */
export function unit(h: number): number {
  return (h >>> 0) / 4294967296;
}

/** FNV-1a of a string, for turning names (city keys, segment ids) into hash inputs. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}

/** Mixes a millisecond timestamp (up to 2^53) into `h` using both of its 32-bit halves. */
export function mixTime(h: number, ms: number): number {
  return mix(mix(h, ms >>> 0), Math.floor(ms / 4294967296));
}

/**
 * Approximately standard normal from two hashes (sum of four uniforms, rescaled): cheaper than Box–Muller
 * and bounded at ±3.46, which keeps noise from producing absurd speeds.
 */
export function approxNormal(h: number): number {
  const a = mix(h, 1), b = mix(h, 2);
  const s = (a & 0xffff) + (a >>> 16) + (b & 0xffff) + (b >>> 16);
  return (s / 65536 - 2) * 1.7320508; // var of U(0,1) is 1/12; four of them: 1/3 → scale by √3
}
