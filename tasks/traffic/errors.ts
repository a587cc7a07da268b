/**
 * The base of every error the traffic workloads throw, and their registration with the cluster's error
 * transport. A task's error reaches `get()` as a `TaskError` whose `cause` is rebuilt from its name, so a
 * class the driver process has not registered comes back as a plain `Error`: each module that defines error
 * classes registers them when it loads, and a driver that can name a class (to test `instanceof`) has loaded
 * its module, and so registered it.
 */
import { ConvoyError, registerError } from '../../cluster/common/index.ts';

/** A failure of the traffic workloads (sources, lake, collection, planning, training). */
export class TrafficError extends ConvoyError {}

/** Makes these classes survive a thread, process or gRPC hop (rebuilt by name on the receiving side). */
export function registerTrafficErrors(...classes: (abstract new (...args: never[]) => TrafficError)[]): void {
  for (const cls of classes) registerError(cls as unknown as new (...args: never[]) => Error);
}

registerTrafficErrors(TrafficError);
