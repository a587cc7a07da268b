/**
 * A trained model as plain data: what the trainer returns, the registry stores and the predictor loads.
 * Nothing here holds tfjs state, so artifacts cross threads, processes and the object store by structured
 * clone or as two files.
 */
import type { BackendName } from '../backend.ts';
import { CorruptArtifactError } from '../errors.ts';
import type { Target } from '../input/features.ts';
import { modelSpecSchema, type ModelSpec } from '../models/model.ts';
import type { NormalizerJSON } from '../input/normalizer.ts';
import type { NamedArrays } from './tensor-file.ts';

export interface ModelArtifacts {
  spec: ModelSpec;
  target: Target;
  /** Minutes ahead of each output (`[0]` for the MLP). */
  horizonsMin: number[];
  /** Name of the feature pipeline (`mlp16-speed`, `history12-speed`). */
  pipeline: string;
  normalizer: NormalizerJSON;
  weights: NamedArrays;
  /** Backend that trained it; predictions on another backend agree to float32 rounding. */
  backend: BackendName;
}

/** The JSON half of {@link ModelArtifacts} (weights travel as a tensor file beside it). */
export type ArtifactsHeader = Omit<ModelArtifacts, 'weights'>;

export function artifactsHeader(a: ModelArtifacts): ArtifactsHeader {
  const { weights: _weights, ...header } = a;
  return header;
}

export function parseArtifactsHeader(value: unknown, location: string): ArtifactsHeader {
  const v = value as Partial<ArtifactsHeader> | null;
  const spec = modelSpecSchema.safeParse(v?.spec);
  if (
    !spec.success ||
    (v?.target !== 'speed' && v?.target !== 'congestion') ||
    !Array.isArray(v.horizonsMin) ||
    typeof v.pipeline !== 'string' ||
    typeof v.normalizer !== 'object' ||
    typeof v.backend !== 'string'
  ) {
    throw new CorruptArtifactError(location, 'model header lacks spec, target, horizons, pipeline or normalizer');
  }
  return { ...(v as ArtifactsHeader), spec: spec.data };
}
