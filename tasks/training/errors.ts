/**
 * Errors of the training side: one class per failure, each with the data a caller needs to act on it and the
 * underlying `cause`. Messages name the bad input and say what to do, and never contain credentials (storage
 * URLs here are the storage's own `url`, which the storage contract keeps credential-free).
 */
import { registerTrafficErrors, TrafficError } from '../traffic/errors.ts';

/** A training, validation or registry option failed validation at the edge. */
export class TrainingOptionsError extends TrafficError {
  override readonly name = 'TrainingOptionsError';
  constructor(
    /** Which options object was rejected, e.g. `trainModel` or `ModelSpec`. */
    readonly where: string,
    /** One line per rejected field: `path: problem`. */
    readonly issues: string[],
    options?: { cause?: unknown },
  ) {
    super(`invalid ${where} options: ${issues.join('; ')}`, options);
  }
}

/** An input batch lacks a column the features need, or has it with the wrong type. */
export class FeatureSchemaError extends TrafficError {
  override readonly name = 'FeatureSchemaError';
  constructor(
    readonly column: string,
    readonly problem: string,
  ) {
    super(
      `input batch column "${column}" ${problem}; training reads batches in the canonical sample schema ` +
        `(tasks/traffic/schema.ts) — project or rename the column before passing the batches in`,
    );
  }
}

/** No backend in the requested list could be initialised. */
export class BackendUnavailableError extends TrafficError {
  override readonly name = 'BackendUnavailableError';
  constructor(
    readonly tried: { backend: string; reason: string }[],
    options?: { cause?: unknown },
  ) {
    super(
      `no TensorFlow.js backend could start (tried ${tried.map((t) => `${t.backend}: ${t.reason}`).join('; ')}); ` +
        `install @tensorflow/tfjs-backend-wasm or allow the "cpu" backend`,
      options,
    );
  }
}

/** A checkpoint or model file is unreadable: truncated, not ours, or from an incompatible model. */
export class CorruptArtifactError extends TrafficError {
  override readonly name = 'CorruptArtifactError';
  constructor(
    /** Storage URL plus key of the bad object. */
    readonly location: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${location} is not a usable artifact: ${problem}; delete it (older checkpoints or versions stay usable) ` +
        `or point at another location`,
      options,
    );
  }
}

/** A checkpoint does not belong to the model being trained (different architecture or feature set). */
export class CheckpointMismatchError extends TrafficError {
  override readonly name = 'CheckpointMismatchError';
  constructor(
    readonly location: string,
    readonly expected: string,
    readonly found: string,
  ) {
    super(
      `checkpoint at ${location} was written for ${found}, but this run trains ${expected}; use another ` +
        `checkpoint prefix for a different model, or delete the old checkpoints to start over`,
    );
  }
}

/** The registry has no such model or version. */
export class ModelNotFoundError extends TrafficError {
  override readonly name = 'ModelNotFoundError';
  constructor(
    readonly model: string,
    readonly version: number | 'promoted' | undefined,
    readonly registryUrl: string,
  ) {
    super(
      version === 'promoted'
        ? `model "${model}" in ${registryUrl} has no promoted version; promote one (convoy model promote VERSION --model ${model}, or registry.promote(model, version))`
        : version === undefined
          ? `model "${model}" has no versions in ${registryUrl}; register one first`
          : `model "${model}" has no version ${version} in ${registryUrl}; list them with convoy model ls --model ${model} (or registry.list(model))`,
    );
  }
}

/** Training produced a non-finite loss: the learning rate is too high or the data holds non-finite values. */
export class DivergedError extends TrafficError {
  override readonly name = 'DivergedError';
  constructor(
    readonly step: number,
    readonly loss: number,
  ) {
    super(
      `training diverged at step ${step} (loss ${loss}); lower the learning rate or check the input for ` +
        `extreme values — the last checkpoint before this step is kept`,
    );
  }
}

/** The run failed more often than `maxFailures` allows; `cause` is the last failure. */
export class TrainingFailedError extends TrafficError {
  override readonly name = 'TrainingFailedError';
  constructor(
    readonly run: string,
    readonly failures: number,
    readonly checkpointUrl: string,
    cause: unknown,
  ) {
    super(
      `data-parallel run ${JSON.stringify(run)} failed ${failures} time(s), more than maxFailures allows: ${(cause as Error)?.message ?? String(cause)}. ` +
        `Its checkpoints are kept at ${checkpointUrl}: run it again with the same name to resume, or raise maxFailures.`,
      { cause },
    );
  }
}

registerTrafficErrors(TrainingOptionsError, FeatureSchemaError, BackendUnavailableError, CorruptArtifactError, CheckpointMismatchError, ModelNotFoundError, DivergedError, TrainingFailedError);
