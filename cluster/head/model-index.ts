/**
 * The models registered beside the lake, for the dashboard's models page (GET /api/models), when the head is
 * told where the registry is (`convoy start --head --registry URL`). The registry is the traffic workloads'
 * (tasks/training/artifacts/registry.ts); the head reads only its documented layout, as plain JSON, never
 * the weights: `<root>/<model>/v000003/model.json` for each version and `<root>/<model>/promoted.json`.
 * Read when asked, bounded: the newest `VERSIONS_SHOWN` versions of at most `MODELS_SHOWN` models.
 */
import type { ObjectStorage } from '../storage/index.ts';
import type { ModelSummary, ModelVersionSummary } from '../api/head-api.ts';

const ROOT = 'models';
const MODELS_SHOWN = 50;
const VERSIONS_SHOWN = 20;
const VERSION_FILE = /^models\/([^/]+)\/v(\d{6})\/model\.json$/;

export class ModelIndex {
  constructor(private readonly storage: ObjectStorage) {}

  get url(): string {
    return this.storage.url;
  }

  async list(): Promise<ModelSummary[]> {
    const versions = new Map<string, number[]>();
    for await (const { key } of this.storage.list(`${ROOT}/`)) {
      const m = VERSION_FILE.exec(key);
      if (!m) continue;
      const list = versions.get(m[1]!) ?? [];
      list.push(Number(m[2]));
      versions.set(m[1]!, list);
    }
    const names = [...versions.keys()].sort().slice(0, MODELS_SHOWN);
    return Promise.all(names.map(async (name) => {
      const numbers = versions.get(name)!.sort((a, b) => b - a);
      const promoted = (await this.#json(`${ROOT}/${name}/promoted.json`))?.version;
      const shown = await Promise.all(numbers.slice(0, VERSIONS_SHOWN).map((v) => this.#version(name, v, promoted === v)));
      return { name, versions: numbers.length, promoted: typeof promoted === 'number' ? promoted : undefined, latest: shown.filter((v): v is ModelVersionSummary => v !== undefined) };
    }));
  }

  async #version(name: string, version: number, promoted: boolean): Promise<ModelVersionSummary | undefined> {
    const info = await this.#json(`${ROOT}/${name}/v${String(version).padStart(6, '0')}/model.json`);
    if (!info) return undefined;
    const metrics = numericMetrics(info.metrics);
    return {
      version,
      promoted,
      createdAt: typeof info.createdAt === 'string' ? info.createdAt : '',
      pipeline: typeof info.pipeline === 'string' ? info.pipeline : '',
      horizonsMin: Array.isArray(info.horizonsMin) ? info.horizonsMin.filter((h): h is number => typeof h === 'number') : [],
      metrics,
    };
  }

  async #json(key: string): Promise<Record<string, unknown> | undefined> {
    const bytes = await this.storage.get(key).catch(() => undefined);
    if (!bytes) return undefined;
    try {
      const v = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
    } catch {
      return undefined; // a damaged file shows as a missing version, not a broken page
    }
  }
}

/** The numbers of a version's metrics, nested keys joined with dots (`test.model.mae`), at most 40. */
function numericMetrics(value: unknown, prefix = '', out: Record<string, number> = {}): Record<string, number> {
  if (!value || typeof value !== 'object' || Object.keys(out).length >= 40) return out;
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'number' && Number.isFinite(v)) out[key] = v;
    else if (v && typeof v === 'object' && !Array.isArray(v) && prefix.split('.').length < 3) numericMetrics(v, key, out);
    if (Object.keys(out).length >= 40) break;
  }
  return out;
}
