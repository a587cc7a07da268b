/**
 * Artifacts as two objects under a prefix (`model.json`, `weights.bin`), for trial checkpoints that the driver
 * reads back to register the best model. The registry uses the same two-part layout per version, and the
 * same check: `model.json` holds the size and SHA-256 of `weights.bin` (`weightsDigest`), verified on load.
 */
import type { ObjectStorage } from '../../../cluster/storage/index.ts';
import { assertDigest, digestOf, parseDigest } from './digest.ts';
import { artifactsHeader, parseArtifactsHeader, type ModelArtifacts } from './model-artifacts.ts';
import { CorruptArtifactError } from '../errors.ts';
import { decodeTensors, encodeTensors } from './tensor-file.ts';

export async function saveArtifacts(storage: ObjectStorage, prefix: string, a: ModelArtifacts): Promise<void> {
  // Weights first: model.json appearing means the pair is complete.
  const weights = encodeTensors(a.weights);
  await storage.put(`${prefix}/weights.bin`, weights);
  const manifest = { ...artifactsHeader(a), weightsDigest: digestOf(weights) };
  await storage.put(`${prefix}/model.json`, new TextEncoder().encode(JSON.stringify(manifest)));
}

export async function loadArtifacts(storage: ObjectStorage, prefix: string): Promise<ModelArtifacts> {
  const where = `${storage.url}/${prefix}`;
  const [json, weights] = await Promise.all([storage.get(`${prefix}/model.json`), storage.get(`${prefix}/weights.bin`)]);
  if (!json || !weights) throw new CorruptArtifactError(where, 'model.json or weights.bin is missing');
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(json));
  } catch (err) {
    throw new CorruptArtifactError(where, `model.json is not JSON: ${(err as Error).message}`);
  }
  const { weightsDigest, ...rest } = (header ?? {}) as { weightsDigest?: unknown };
  assertDigest(weights, parseDigest(weightsDigest, `${where}/model.json`, 'model.json'), `${where}/weights.bin`, 'model.json');
  return { ...parseArtifactsHeader(rest, where), weights: decodeTensors(weights, `${where}/weights.bin`) };
}
