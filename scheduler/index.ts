/** Scheduling decisions as pure functions: no I/O, clocks or randomness except what callers pass in. */
export * from './resources.ts';
export * from './placement/index.ts';
export * from './leases.ts';
export * from './dispatch.ts';
export * from './retry.ts';
