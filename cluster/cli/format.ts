/**
 * Plain-text tables and numbers for CLI output: the shared formatters of cluster/common/format.ts (also the
 * `convoy/common` entry), under the short names the commands use.
 */
export { formatTable as table, formatBytes as bytes } from '../common/format.ts';
