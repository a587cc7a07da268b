/**
 * The one way zod issues become text: `path: message`, the path dotted (`shards.0.city`), and a name for the
 * value itself where the path is empty (`(options): expected object`). Options, requests and files are all
 * checked with zod at the edge; every refusal names what was wrong in the same shape.
 */

/** The part of a zod issue the text needs (structural, so callers need not share zod's types). */
export interface ZodIssueLike {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

export interface ZodIssueFormat {
  /** What an issue with an empty path is about: `(options)`, `spec`, `mapping`. @default '' */
  root?: string;
  /** Put before every path, for a value checked inside a larger one (`city.`). @default '' */
  prefix?: string;
  /** Between the path and the message. @default ': ' */
  separator?: string;
}

/** One line per issue, `path: message`; join them with `; ` for a one-line error. */
export function formatZodIssues(issues: readonly ZodIssueLike[], format: ZodIssueFormat = {}): string[] {
  const { root = '', prefix = '', separator = ': ' } = format;
  return issues.map((i) => `${prefix}${i.path.length ? i.path.map(String).join('.') : root}${separator}${i.message}`);
}
