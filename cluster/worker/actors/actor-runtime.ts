/**
 * The inside of an actor: constructs the instance, then runs method calls strictly one at a time in arrival
 * order, awaiting async methods before the next call starts. Runs in a worker thread or a child process;
 * `post` is the only difference between the two.
 */
import { decodeValue, encodeValue } from '../../objects/serialization.ts';
import { TaskLoadError, serializeError } from '../../common/errors.ts';
import { loadExport } from '../runtime/load-function.ts';
import { runAsTask } from '../../common/runtime-context.ts';
import { noteEscapedRefs } from '../../objects/ref-walk.ts';
import { captureTaskOutput, tagActorOutput } from '../runtime/task-output.ts';
import type { FromActor, ToActor } from './messages.ts';

/**
 * `sharedAbove`: results at least this large are encoded into shared memory (thread actors: the node stores
 * them without a copy). A process actor cannot share memory with its node, so it passes Infinity.
 */
export function startActorRuntime(post: (msg: FromActor) => void, sharedAbove = Number.POSITIVE_INFINITY): (msg: ToActor) => void {
  captureTaskOutput();
  let instance: Record<string, unknown> | undefined;
  let chain: Promise<void> = Promise.resolve();

  const handle = async (msg: ToActor): Promise<void> => {
    if (msg.type === 'init') {
      Object.assign(process.env, msg.env);
      tagActorOutput(msg.env.CONVOY_ACTOR_ID, msg.jobId);
      try {
        const cls = await loadExport(msg.moduleUrl, msg.className);
        if (typeof cls !== 'function') {
          throw new TaskLoadError(`export "${msg.className}" of ${msg.moduleUrl} is a ${typeof cls}, not a class`);
        }
        const ctor = cls as new (...args: unknown[]) => Record<string, unknown>;
        instance = new ctor(...msg.args.map(decodeValue));
        post({ type: 'ready' });
      } catch (err) {
        post({ type: 'init-failed', error: serializeError(err) });
      }
      return;
    }
    try {
      if (!instance) throw new Error('actor is not initialised');
      const method = instance[msg.method];
      if (typeof method !== 'function') {
        throw new TypeError(`actor has no method "${msg.method}"`);
      }
      const args = msg.args.map(decodeValue);
      let value = runAsTask(msg.callId, () => (method as (...a: unknown[]) => unknown).apply(instance, args));
      if (value instanceof Promise) value = await value;
      noteEscapedRefs(value);
      post({ type: 'result', callId: msg.callId, ok: true, value: encodeValue(value, sharedAbove) });
    } catch (err) {
      post({ type: 'result', callId: msg.callId, ok: false, error: serializeError(err) });
    }
  };

  return (msg) => {
    chain = chain.then(() => handle(msg));
  };
}
