/**
 * The names of the traffic sources, written once: the `source` column's values, the collection job's and the
 * planner's `--source` choices, the provider clients' names. Everything else (zod enums, CLI help, types)
 * derives from these lists. A module with no imports, so that `convoy --help` can list the choices without
 * loading a source.
 */

/** The provider APIs, in the order the CLI lists them. */
export const PROVIDER_NAMES = ['tomtom', 'here', 'mapbox'] as const;
export type ProviderSourceName = (typeof PROVIDER_NAMES)[number];

/** The sources a collection can draw from: the generator, then the provider APIs. */
export const SOURCE_NAMES = ['synthetic', ...PROVIDER_NAMES] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

/** Historical imports name their rows `import:<dataset>` (the mapping's dataset), so they are not in the list. */
export function importSourceName(dataset: string): string {
  return `import:${dataset}`;
}

export function isSourceName(name: string): name is SourceName {
  return (SOURCE_NAMES as readonly string[]).includes(name);
}
