/** Scheduling decisions as pure functions: no I/O or clocks; randomness only from a seeded generator the caller passes in (random.ts). */
export * from './resources.ts';
export * from './placement/index.ts';
export * from './leases.ts';
export * from './dispatch.ts';
export * from './retry.ts';
export * from './random.ts';
export * from './memory-pressure.ts';
