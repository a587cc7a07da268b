/**
 * Module hooks that give TypeScript files in a package without a `"type"` field the format Node gives
 * JavaScript files there: ES module when the file has module syntax (`import`/`export` statements,
 * `import.meta`, top-level `await`), CommonJS otherwise (Node's module syntax detection, on by default since
 * Node 20.19 and 22.12, and what Node's own type stripping does for `.ts`).
 *
 * Why: tsx takes every `.ts` file outside a `"type": "module"` package for CommonJS and compiles it to CJS, so
 * a driver with top-level await fails ("Top-level await is currently not supported with the cjs output
 * format", privatenumber/tsx#761) when a job's folder has no package.json or one without `"type"`. These
 * hooks are registered before tsx's (see tsx-loader.mjs), so tsx's resolve asks them first and keeps
 * the format they answer. A declared `"type"` (module or commonjs), `.mts`/`.cts`, and files under
 * node_modules are left to Node and tsx as they are.
 *
 * Plain JavaScript, since it loads before any TypeScript support exists.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** @type {Map<string, Promise<'module' | undefined>>} file → format to give it (undefined: leave it to tsx) */
const formats = new Map();
/** @type {Map<string, Promise<string | undefined>>} folder → the "type" its package scope declares */
const scopeTypes = new Map();
/** @type {Promise<typeof import('esbuild')> | undefined} tsx's own esbuild, so there is one parser version */
let esbuild;

/** @type {import('node:module').ResolveHook} */
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (resolved.format || !resolved.url.startsWith('file:')) return resolved;
  const { pathname } = new URL(resolved.url);
  if (!/\.tsx?$/.test(pathname) || pathname.includes('/node_modules/')) return resolved;
  const file = fileURLToPath(resolved.url);
  let format = formats.get(file);
  if (!format) {
    format = detectFormat(file);
    formats.set(file, format);
  }
  const detected = await format;
  return detected ? { ...resolved, format: detected } : resolved;
}

/** @returns {Promise<'module' | undefined>} */
async function detectFormat(file) {
  if ((await scopeType(path.dirname(file))) !== undefined) return undefined;
  let source;
  try {
    source = await readFile(file, 'utf8');
  } catch {
    return undefined; // let the loader report the missing file
  }
  const { transform, build } = await loadEsbuild();
  try {
    // Strip types the way Node does (type-only imports go, value imports stay), then ask esbuild's parser
    // whether what is left is an ES module.
    const js = await transform(source, {
      loader: file.endsWith('.tsx') ? 'tsx' : 'ts',
      sourcefile: file,
      tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
      logLevel: 'silent',
    });
    const parsed = await build({
      stdin: { contents: js.code, loader: 'js', sourcefile: file },
      write: false,
      bundle: false,
      metafile: true,
      logLevel: 'silent',
    });
    return Object.values(parsed.metafile.inputs)[0]?.format === 'esm' ? 'module' : undefined;
  } catch {
    return undefined; // a syntax error: tsx reports it with its own message
  }
}

/** The `"type"` of the nearest package.json above `dir` (Node's LOOKUP_PACKAGE_SCOPE), if it declares one. */
function scopeType(dir) {
  let t = scopeTypes.get(dir);
  if (!t) {
    t = (async () => {
      try {
        const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
        return typeof pkg.type === 'string' ? pkg.type : undefined;
      } catch (err) {
        if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'ENOENT') return undefined; // unreadable: Node would fail on it too
      }
      const parent = path.dirname(dir);
      return parent === dir || path.basename(dir) === 'node_modules' ? undefined : scopeType(parent);
    })();
    scopeTypes.set(dir, t);
  }
  return t;
}

function loadEsbuild() {
  // Resolved from tsx's folder: esbuild is tsx's dependency, not necessarily hoisted next to Convoy.
  esbuild ??= Promise.resolve().then(() => createRequire(createRequire(import.meta.url).resolve('tsx/package.json'))('esbuild'));
  return esbuild;
}
