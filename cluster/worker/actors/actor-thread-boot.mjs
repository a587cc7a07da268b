// Actor threads start here; see pool/thread-boot.mjs for why each thread registers tsx itself.
import { register } from 'tsx/esm/api';

register();
await import('./actor-thread.ts');
