/**
 * The model registry: numbered versions of named models, stored beside the lake on any {@link ObjectStorage}.
 *
 *     <root>/<model>/v000003/weights.bin    parameters (tensor-file.ts)
 *     <root>/<model>/v000003/model.json     spec, normaliser, config, metrics, data range, backend, size and SHA-256 of weights.bin
 *     <root>/<model>/promoted.json          {"version": 3, "promotedAt": "…"}
 *
 * `model.json` is written after `weights.bin`, so a version exists exactly when its `model.json` does: a crash
 * mid-registration leaves at most an orphan weights file, never a version without weights. Promotion is one
 * atomic write of `promoted.json`, so a predictor loading concurrently sees the old or the new version.
 * Version numbers are assigned as max+1 by the registering process; register one model name from one driver
 * at a time (the cluster's head serialises this). `load()` checks `weights.bin` against the size and SHA-256
 * in `model.json` (`weightsDigest`), so weights whose bytes changed after registration are refused instead
 * of serving wrong predictions; versions registered before digests existed load unverified.
 */
import type { ObjectStorage } from '../../../cluster/storage/index.ts';
import { assertDigest, digestOf, parseDigest, type ArtifactDigest } from './digest.ts';
import { artifactsHeader, parseArtifactsHeader, type ArtifactsHeader, type ModelArtifacts } from './model-artifacts.ts';
import type { TimeRange } from '../input/features.ts';
import { CorruptArtifactError, ModelNotFoundError, TrainingOptionsError } from '../errors.ts';
import { decodeTensors, encodeTensors } from './tensor-file.ts';

export interface VersionInfo extends ArtifactsHeader {
  model: string;
  version: number;
  createdAt: string;
  /** Hyperparameters and training settings the version was trained with. */
  config: Record<string, unknown>;
  /** Validation metrics (e.g. a ValidationReport's overall numbers). */
  metrics: Record<string, unknown>;
  /** Time range of the training data. */
  dataRange?: TimeRange;
  /** Size and SHA-256 of `weights.bin`; absent in versions registered before digests existed. */
  weightsDigest?: ArtifactDigest;
}

export interface RegisterInput {
  model: string;
  artifacts: ModelArtifacts;
  config?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
  dataRange?: TimeRange;
}

const NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const versionFolder = (v: number) => `v${String(v).padStart(6, '0')}`;
const encodeJson = (v: unknown) => new TextEncoder().encode(JSON.stringify(v, null, 2));

export class ModelRegistry {
  constructor(
    readonly storage: ObjectStorage,
    /** Key prefix of the registry. @default 'models' */
    readonly root = 'models',
  ) {}

  private key(model: string, rest: string): string {
    if (!NAME.test(model)) {
      throw new TrainingOptionsError('ModelRegistry', [
        `model name ${JSON.stringify(model)} must be 1–64 of [a-z0-9_.-], starting with a letter or digit`,
      ]);
    }
    return `${this.root}/${model}/${rest}`;
  }

  private where(key: string): string {
    return `${this.storage.url.replace(/\/$/, '')}/${key}`;
  }

  /** Stores a new version and returns its description. */
  async register(input: RegisterInput): Promise<VersionInfo> {
    const versions = await this.versions(input.model);
    const version = (versions.at(-1) ?? 0) + 1;
    const weights = encodeTensors(input.artifacts.weights);
    const info: VersionInfo = {
      model: input.model,
      version,
      createdAt: new Date().toISOString(),
      config: input.config ?? {},
      metrics: input.metrics ?? {},
      dataRange: input.dataRange,
      ...artifactsHeader(input.artifacts),
      weightsDigest: digestOf(weights),
    };
    const folder = this.key(input.model, versionFolder(version));
    await this.storage.put(`${folder}/weights.bin`, weights);
    await this.storage.put(`${folder}/model.json`, encodeJson(info));
    return info;
  }

  /** Names of models with at least one version. */
  async models(): Promise<string[]> {
    const names = new Set<string>();
    for await (const { key } of this.storage.list(`${this.root}/`)) {
      const m = new RegExp(`^${escape(this.root)}/([^/]+)/v\\d{6}/model\\.json$`).exec(key);
      if (m) names.add(m[1]!);
    }
    return [...names].sort();
  }

  /** Version numbers of a model, ascending. */
  async versions(model: string): Promise<number[]> {
    const prefix = this.key(model, '');
    const found: number[] = [];
    for await (const { key } of this.storage.list(prefix)) {
      const m = /^v(\d{6})\/model\.json$/.exec(key.slice(prefix.length));
      if (m) found.push(Number(m[1]));
    }
    return found.sort((a, b) => a - b);
  }

  /** Every version's description, with `promoted` marking the deployed one. */
  async list(model: string): Promise<(VersionInfo & { promoted: boolean })[]> {
    const promoted = await this.promotedVersion(model);
    const out: (VersionInfo & { promoted: boolean })[] = [];
    for (const v of await this.versions(model)) out.push({ ...(await this.show(model, v)), promoted: v === promoted });
    return out;
  }

  /** One version's description (no weights). `'promoted'` resolves the deployed version. */
  async show(model: string, version: number | 'promoted'): Promise<VersionInfo> {
    const v = await this.resolve(model, version);
    const key = this.key(model, `${versionFolder(v)}/model.json`);
    const bytes = await this.storage.get(key);
    if (!bytes) throw new ModelNotFoundError(model, v, this.storage.url);
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder().decode(bytes));
    } catch (err) {
      throw new CorruptArtifactError(this.where(key), 'model.json is not JSON', { cause: err });
    }
    const header = parseArtifactsHeader(value, this.where(key));
    const weightsDigest = parseDigest((value as VersionInfo).weightsDigest, this.where(key), 'model.json');
    return { ...(value as VersionInfo), ...header, weightsDigest };
  }

  /** Marks a version as the deployed one. */
  async promote(model: string, version: number): Promise<VersionInfo> {
    const info = await this.show(model, version);
    await this.storage.put(this.key(model, 'promoted.json'), encodeJson({ version, promotedAt: new Date().toISOString() }));
    return info;
  }

  async promotedVersion(model: string): Promise<number | undefined> {
    const bytes = await this.storage.get(this.key(model, 'promoted.json'));
    if (!bytes) return undefined;
    try {
      const { version } = JSON.parse(new TextDecoder().decode(bytes)) as { version?: unknown };
      if (typeof version === 'number' && Number.isInteger(version)) return version;
    } catch {
      // fall through to the error below
    }
    throw new CorruptArtifactError(this.where(this.key(model, 'promoted.json')), 'no integer "version"');
  }

  /** Everything needed to rebuild the model. */
  async load(model: string, version: number | 'promoted'): Promise<{ info: VersionInfo; artifacts: ModelArtifacts }> {
    const info = await this.show(model, version);
    const key = this.key(model, `${versionFolder(info.version)}/weights.bin`);
    const bytes = await this.storage.get(key);
    if (!bytes) throw new CorruptArtifactError(this.where(key), 'weights.bin is missing');
    assertDigest(bytes, info.weightsDigest, this.where(key), 'model.json');
    const { model: _m, version: _v, createdAt: _c, config: _cfg, metrics: _met, dataRange: _d, weightsDigest: _w, ...header } = info;
    return { info, artifacts: { ...parseArtifactsHeader(header, this.where(key)), weights: decodeTensors(bytes, this.where(key)) } };
  }

  private async resolve(model: string, version: number | 'promoted'): Promise<number> {
    if (version !== 'promoted') {
      if (!Number.isInteger(version) || version < 1) throw new ModelNotFoundError(model, version, this.storage.url);
      return version;
    }
    const v = await this.promotedVersion(model);
    if (v === undefined) throw new ModelNotFoundError(model, 'promoted', this.storage.url);
    return v;
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
