// Pool threads start here when Convoy runs from its TypeScript sources (compiled Convoy starts thread.js
// directly; see threadEntry in common/spawn.ts). Node 20 does not carry the parent's `--import tsx` loader
// hooks into worker threads, so each thread registers tsx itself before loading TypeScript (ours and the
// user's task modules).
import { register } from 'tsx/esm/api';

register();
const mod = await import('./thread.ts');
export default mod.default;
