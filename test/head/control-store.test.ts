import { MemoryControlStore } from '../../cluster/head/control/memory-store.ts';
import { controlStoreSuite } from './control-store.suite.ts';

controlStoreSuite('memory', () => new MemoryControlStore());
