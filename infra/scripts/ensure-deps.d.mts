/** Types for ensure-deps.mjs, which stays plain JavaScript because it runs before tsx is installed. */
export declare const STAMP_FILE: string;
export declare class EnsureDepsError extends Error {}
export type InstallState = 'missing' | 'stale' | 'fresh';
export declare function installState(dir: string): InstallState;
export declare function ensureDeps(
  dir: string,
  options?: { log?: (line: string) => void },
): { state: InstallState; installed: boolean };
