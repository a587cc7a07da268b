/** Convoy's version, shown by `convoy --version` and reported by the head. */
export const VERSION = '0.1.0';
