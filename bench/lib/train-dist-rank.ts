/**
 * One Node rank of bench/train-dist.ts, in a process of its own (the bench starts it through PeerProcess and
 * drives it with `@bench` JSON lines on stdin/stdout). Requests, answered in order:
 *
 * - `{op: 'open'}` → `{address}`: opens a collective endpoint on 127.0.0.1.
 * - `{op: 'join', rank, addresses}` → `{joined: true}`: joins the group with every rank's address.
 * - `{op: 'allreduce', bytes, reps, warmup}` → `{seconds: [...]}`: allreduces one Float32Array of that many
 *   bytes in place (the same array every time), `warmup` times untimed, then `reps` times, each timed alone
 *   after a barrier.
 * - `{op: 'train', settings, exchange: 'group' | 'solo'}` → `{rates: [...]}`: bench/train.ts's `measure` on
 *   the wasm backend, averaging gradients through the group (`group`) or training alone (`solo`); when the
 *   rank has joined a group, a barrier lines the ranks up before each timed rep either way.
 *
 * Closing stdin (what PeerProcess.close does) closes the group and the endpoint and ends the process.
 */
import { openCollectiveEndpoint, type CollectiveEndpoint, type CollectiveGroup } from '../../cluster/client/index.ts';
import type { Settings } from '../train.ts';
import { sendReady, serveRequests } from './peer-process.ts';

/** The collective token of this bench's ranks (they only listen on loopback). */
const TOKEN = 'convoy-bench-train-dist';

let endpoint: CollectiveEndpoint | undefined;
let group: CollectiveGroup | undefined;

async function handle(msg: Record<string, unknown>): Promise<Record<string, unknown>> {
  switch (msg.op) {
    case 'open':
      endpoint = await openCollectiveEndpoint({ token: TOKEN, host: '127.0.0.1' });
      return { address: endpoint.address };
    case 'join':
      if (!endpoint) throw new Error('join before open');
      group = await endpoint.join({ group: 'bench-train-dist', rank: msg.rank as number, addresses: msg.addresses as string[] });
      return { joined: true };
    case 'allreduce': {
      if (!group) throw new Error('allreduce before join');
      const g = group;
      const values = new Float32Array((msg.bytes as number) / 4).fill(1);
      for (let i = 0; i < (msg.warmup as number); i++) await g.allreduce(values, { inPlace: true });
      const seconds: number[] = [];
      for (let r = 0; r < (msg.reps as number); r++) {
        await g.barrier();
        const t0 = performance.now();
        await g.allreduce(values, { inPlace: true });
        seconds.push((performance.now() - t0) / 1000);
      }
      return { seconds };
    }
    case 'train': {
      // Loaded here, not at the top: the allreduce ranks need no TensorFlow.
      const { measure } = await import('../train.ts');
      const { soloExchange } = await import('../../tasks/training/gradient-exchange.ts');
      const g = group;
      if (msg.exchange === 'group' && !g) throw new Error('train with exchange "group" before join');
      const exchange = msg.exchange === 'group' ? g! : soloExchange;
      const rates = await measure(msg.settings as Settings, exchange, g ? { beforeRep: () => g.barrier() } : {});
      return { rates };
    }
    default:
      throw new Error(`unknown request ${JSON.stringify(msg)}`);
  }
}

serveRequests(handle, async () => {
  group?.close();
  endpoint?.close();
  process.exit(0);
});
sendReady({ ready: true, pid: process.pid });
