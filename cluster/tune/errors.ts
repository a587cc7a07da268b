/** Errors of `tune.run`. */

export class TuneError extends Error {
  override readonly name: string = 'TuneError';
}

/**
 * Another driver is running this tune run (the same `name` under the same `storageDir`). A run has one driver:
 * a second one would run every trial again beside the first and write the run's state over it.
 */
export class TuneRunInUseError extends TuneError {
  override readonly name = 'TuneRunInUseError';

  constructor(
    readonly runName: string,
    /** The other driver: its process id and host, and the file that announces it. */
    readonly holder: { pid: number; host: string; file: string },
    why: string,
  ) {
    super(`tune run "${runName}" is in use by ${why}; wait for that driver to finish or stop it, then run again`);
  }
}
