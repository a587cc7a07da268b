/**
 * Convoy's lint: the layer table of DESIGN.md as rules (see ARCHITECTURE.md), after Temporal's
 * eslint.config.mjs (`import/no-cycle`, restricted imports of other packages' internals).
 *
 * Layers, bottom up:
 *   scheduler/        decisions, no I/O        imports nothing of ours
 *   cluster/storage/  the blob store            imports nothing of ours
 *   cluster/          the runtime               scheduler/ and cluster/storage/, never tasks/
 *   tasks/            the workloads             the cluster's public entries only (ENTRIES below)
 * Inside cluster/, the head, the worker and the client are separate processes: none imports another's
 * internals; what they share lives in common/, objects/, transport/, proto/ or api/.
 * Value cycles are import-x/no-cycle's; cycles through `import type` are dependency-cruiser's
 * (tools/lint/dependency-cruiser.cjs), since import-x skips type-only imports.
 */
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The modules of cluster/ that tasks/ may import: what `convoy`, `convoy/storage`, `convoy/tune` and `convoy/common` export. */
export const ENTRIES = ['cluster/client/index.ts', 'cluster/storage/index.ts', 'cluster/tune/index.ts', 'cluster/common/index.ts'];

/** The layer rules, as import-x/no-restricted-paths zones (paths from the repository root). */
export const LAYER_ZONES = [
  { target: './scheduler', from: ['./cluster', './tasks'], message: 'scheduler/ holds pure decisions and imports nothing of ours (DESIGN.md, layers).' },
  { target: './cluster/storage', from: './cluster', except: ['./storage'], message: 'cluster/storage/ is the bottom layer and imports nothing of ours.' },
  { target: './cluster/storage', from: ['./tasks', './scheduler'], message: 'cluster/storage/ is the bottom layer and imports nothing of ours.' },
  { target: './cluster', from: './tasks', message: 'cluster/ (the runtime) never imports tasks/ (the workloads): move the shared part down into cluster/ or pass it in.' },
  {
    target: './tasks',
    from: './cluster',
    except: ENTRIES.map((e) => `./${path.relative('cluster', e)}`),
    message: `tasks/ uses the cluster through its public entries only (${ENTRIES.join(', ')}).`,
  },
  { target: './tasks', from: './scheduler', message: `tasks/ reaches the scheduler's decisions through the cluster's public entries (${ENTRIES.join(', ')}).` },
  { target: './cluster/head', from: ['./cluster/worker', './cluster/client'], message: 'the head does not import the worker or the client: share through cluster/common, objects, transport, proto or api.' },
  { target: './cluster/worker', from: ['./cluster/head', './cluster/client'], message: 'the worker does not import the head or the client: share through cluster/common, objects, transport, proto or api.' },
  { target: './cluster/client', from: ['./cluster/head', './cluster/worker'], message: 'the client does not import the head or the worker: share through cluster/common, objects, transport, proto or api.' },
  { target: './cluster/cli', from: ['./cluster/head', './cluster/worker'], message: 'the CLI talks to the cluster through the client and the shared contracts (cluster/api), not the head or worker internals.' },
  { target: ['./cluster/common', './cluster/objects', './cluster/transport', './cluster/proto', './cluster/api', './cluster/collective'], from: ['./cluster/head', './cluster/worker', './cluster/client', './cluster/cli'], message: 'the shared layers of cluster/ do not import a process (head, worker, client, cli).' },
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'dist/**', 'infra/**', 'cluster/proto/generated/**', 'bench/out/**', 'coverage/**', '**/*.d.ts', '**/*.d.mts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,mts,cts}'],
    languageOptions: { parserOptions: { projectService: false } },
  },
  {
    files: ['**/*.{js,mjs,cjs,ts,mts}'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', structuredClone: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', queueMicrotask: 'readonly', performance: 'readonly', fetch: 'readonly', globalThis: 'readonly', WebSocket: 'readonly', document: 'readonly', window: 'readonly', location: 'readonly' } },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: path.join(root, 'tsconfig.json') })],
      'import-x/extensions': ['.ts', '.mts', '.js', '.mjs'],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { basePath: root, zones: LAYER_ZONES }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      '@typescript-eslint/no-empty-function': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } } },
  {
    // Tests, benches and examples may reach anything (DESIGN.md); they still may not form cycles.
    files: ['test/**', 'bench/**', 'examples/**'],
    rules: { 'import-x/no-restricted-paths': 'off', '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
