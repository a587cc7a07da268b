/** Types of process-identity.mjs (which says what an identity is). */

/** The identity of the live process `pid`, or undefined when there is none (gone, or a zombie). */
export function processIdentity(pid: number): string | undefined;

/** True when `pid` is still the process whose identity was recorded. */
export function isSameProcess(pid: number, identity: string): boolean;

/**
 * Sends `signal` to `pid` (or, with `group`, to the process group it leads) if it is still the process
 * recorded. Returns whether the signal was sent.
 */
export function signalProcess(pid: number, identity: string, signal: NodeJS.Signals, group?: boolean): boolean;
