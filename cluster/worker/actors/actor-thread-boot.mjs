// Actor threads start here when Convoy runs from its sources; see pool/thread-boot.mjs for why each thread
// registers tsx itself.
import { register } from 'tsx/esm/api';

register();
await import('./actor-thread.ts');
