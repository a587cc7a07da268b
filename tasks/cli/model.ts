/** `convoy model ls | show V | promote V`: the model registry beside the lake. */
import type { Command } from 'commander';
import { UsageError } from '../../cluster/client/index.ts';
import type { ModelRegistry } from '../training/artifacts/registry.ts';
import { formatTable } from '../../cluster/common/index.ts';

interface ModelFlags {
  registry: string;
  model?: string;
  json?: boolean;
}

const withRegistry = (c: Command) =>
  c
    .option('--registry <path|s3://bucket/prefix>', 'where the registry lives', 'data/registry')
    .option('--model <name>', 'model name (default: the only one in the registry)')
    .option('--json', 'print JSON');

async function open(f: ModelFlags): Promise<{ registry: ModelRegistry; model: string }> {
  const [{ openStorage }, { ModelRegistry }] = await Promise.all([import('../../cluster/storage/index.ts'), import('../training/artifacts/registry.ts')]);
  const registry = new ModelRegistry(openStorage(f.registry));
  if (f.model) return { registry, model: f.model };
  const models = await registry.models();
  if (models.length === 1) return { registry, model: models[0]! };
  throw new UsageError(models.length === 0 ? `no models in ${registry.storage.url}` : `the registry holds ${models.join(', ')}: pick one with --model`);
}

function version(v: string): number {
  const n = Number(v.replace(/^v/, ''));
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`a version is a number like 3 or v3, got "${v}"`);
  return n;
}

const mae = (metrics: Record<string, unknown>) => {
  const test = metrics.test as { model?: { mae?: number } } | undefined;
  const v = test?.model?.mae ?? (metrics.validMae as number | undefined);
  return typeof v === 'number' ? v.toFixed(3) : '-';
};

export function registerModel(program: Command): void {
  const model = program.command('model').description('list, inspect and promote registered model versions');

  withRegistry(model.command('ls').description('versions of a model')).action(async (f: ModelFlags) => {
    const { registry, model: name } = await open(f);
    const versions = await registry.list(name);
    if (f.json) return console.log(JSON.stringify(versions, null, 2));
    if (versions.length === 0) return console.log(`no versions of ${name}`);
    console.log(
      formatTable(
        ['version', 'promoted', 'created', 'backend', 'pipeline', 'test MAE', 'data'],
        versions.map((v) => [
          `v${v.version}`,
          v.promoted ? 'yes' : '',
          v.createdAt,
          v.backend,
          v.pipeline,
          mae(v.metrics),
          v.dataRange?.from !== undefined && v.dataRange.to !== undefined ? `${new Date(v.dataRange.from).toISOString().slice(0, 10)}..${new Date(v.dataRange.to).toISOString().slice(0, 10)}` : '',
        ]),
      ),
    );
  });

  withRegistry(model.command('show').description('one version: config, metrics, data range').argument('<version>', "a number, or 'promoted'")).action(
    async (v: string, f: ModelFlags) => {
      const { registry, model: name } = await open(f);
      const info = await registry.show(name, v === 'promoted' ? 'promoted' : version(v));
      const { normalizer: _n, ...rest } = info;
      console.log(JSON.stringify(f.json ? info : rest, null, 2));
    },
  );

  withRegistry(model.command('promote').description('make a version the one predictors load').argument('<version>')).action(async (v: string, f: ModelFlags) => {
    const { registry, model: name } = await open(f);
    const info = await registry.promote(name, version(v));
    console.log(`${name} v${info.version} is now promoted`);
  });
}
