// `npm run build` (also run by `prepare`): the npm package's dist/. tsc compiles cluster/, scheduler/ and
// tasks/ (tsconfig.build.json); the files beside them that the runtime reads at run time (the .proto contract
// and any other non-TypeScript asset) are copied to the same place under dist/. dist/ is made anew each time,
// so a module deleted from the sources is not left behind in the package.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = path.join(root, 'dist');

/**
 * Copied: everything but TypeScript (compiled instead), docs, build-time `scripts/` folders, and the `.mjs`
 * thread boot files, which register tsx for the sources (compiled threads start from their own .js module;
 * see threadEntry in cluster/common/spawn.ts).
 */
function isRuntimeAsset(file) {
  const name = path.basename(file);
  if (statSync(file).isDirectory()) return name !== 'scripts';
  return !/\.[cm]?tsx?$/.test(name) && !name.endsWith('.md') && !name.endsWith('-boot.mjs');
}

rmSync(dist, { recursive: true, force: true });
const typescript = createRequire(import.meta.url).resolve('typescript/package.json');
const tsc = path.join(path.dirname(typescript), JSON.parse(readFileSync(typescript, 'utf8')).bin.tsc);
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
for (const dir of ['cluster', 'scheduler', 'tasks']) {
  cpSync(path.join(root, dir), path.join(dist, dir), { recursive: true, filter: isRuntimeAsset });
}

// Each entry of package.json "exports" (`convoy`, `convoy/tune`, `convoy/tasks/lake`, …) must be built: an entry
// whose index is not compiled fails here, not in a user's import.
const { exports: entries } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const missing = Object.entries(entries).flatMap(([subpath, target]) =>
  typeof target === 'string' ? [] : Object.values(target).filter((file) => !existsSync(path.join(root, file))).map((file) => `${subpath}: ${file}`),
);
if (missing.length > 0) throw new Error(`package.json exports name files the build did not make:\n  ${missing.join('\n  ')}`);
