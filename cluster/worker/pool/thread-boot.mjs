// Pool threads start here. Node 20 does not carry the parent's `--import tsx` loader hooks into worker
// threads, so each thread registers tsx itself before loading TypeScript (ours and the user's task modules).
import { register } from 'tsx/esm/api';

register();
const mod = await import('./thread.ts');
export default mod.default;
