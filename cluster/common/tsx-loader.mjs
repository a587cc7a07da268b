/**
 * What Convoy runs TypeScript with (`node --import <this file>`, for its own processes, job drivers and the
 * threads that run task modules): tsx, behind hooks that give `.ts` files in packages without a `"type"`
 * field the format Node gives `.js` files there (ts-format-hooks.mjs says why).
 */
import { register } from 'node:module';

// Registered first, so tsx's hooks (registered next, and so asked first) get these hooks' answer as theirs.
register('./ts-format-hooks.mjs', import.meta.url);
await import('tsx');
