/**
 * When the session with the head breaks: open it again under the same client id (the head keeps our leases
 * and objects for a grace period), through the shared redial loop (transport/redial.ts), then let the owner
 * repeat what the head may have missed. A head that refuses our token was most likely restarted with a new
 * one: no retry can fix that, so the owner closes at once with a message that says what to do.
 */
import { AuthError, ConnectError } from '../common/errors.ts';
import { redial } from '../transport/redial.ts';
import type { BackoffPolicy } from '../../scheduler/retry.ts';
import type { HeadConnection } from './head-connection.ts';

/** How long a driver keeps trying to reach a lost head before it gives up and closes. */
const HEAD_LOST_TIMEOUT_MS = 60_000;
/** Each try waits for the head's answer this long. */
const DIAL_TIMEOUT_MS = 5000;
const REDIAL_BACKOFF: BackoffPolicy = { initialMs: 100, multiplier: 2, maxMs: 2000, jitter: 0.5 };

export interface HeadReconnectHost {
  readonly head: HeadConnection;
  isClosed(): boolean;
  /** The session is open again: repeat lease demands and actor requests. */
  onReconnected(): void;
  /** Reconnecting failed: warn once under `key`, then close with `closeReason`. */
  onGiveUp(key: string, warning: string, closeReason: string): void;
}

export async function reconnectHead(host: HeadReconnectHost, reason: string): Promise<void> {
  const address = host.head.address;
  const r = await redial({
    dial: () => host.head.open(DIAL_TIMEOUT_MS),
    backoff: REDIAL_BACKOFF,
    timeoutMs: HEAD_LOST_TIMEOUT_MS,
    isFatal: (err) => err instanceof AuthError,
    stopped: () => host.isClosed(),
  });
  switch (r.outcome) {
    case 'connected':
      host.onReconnected();
      return;
    case 'stopped':
      return;
    case 'fatal': {
      const message =
        `the head at ${address} refused this driver's cluster token after the connection dropped (${reason}); ` +
        'if the head was restarted it has a new token: connect again with the new token (CONVOY_TOKEN, CONVOY_TOKEN_FILE or the tokenFile option)';
      return host.onGiveUp(`head-token:${reason}`, message, message);
    }
    case 'exhausted': {
      const last = r.lastError ? (r.lastError as Error).message : '';
      const detail = last ? `${reason}; the last attempt to reach it: ${last}` : reason;
      return host.onGiveUp(
        `head-lost:${reason}`,
        `lost the Convoy head at ${address} (${detail}) and could not reconnect`,
        `lost the Convoy head at ${address}: ${detail}`,
      );
    }
  }
}

/**
 * Opens the first session of a job's driver. The head that started the driver may be down at that moment
 * (killed and being restarted on its store: a job outlives that), so a head that does not answer is waited
 * for as long as after a lost session, instead of failing the job at its first line. A plain driver fails at
 * once (the user is there to start the head); an AuthError or any other answer is never retried.
 */
export async function openJobSession(head: HeadConnection, timeoutMs: number, stopped: () => boolean): Promise<void> {
  let first: unknown;
  try {
    return await head.open(timeoutMs);
  } catch (err) {
    if (!(err instanceof ConnectError)) throw err;
    first = err;
  }
  const r = await redial({
    dial: () => head.open(DIAL_TIMEOUT_MS),
    backoff: REDIAL_BACKOFF,
    timeoutMs: HEAD_LOST_TIMEOUT_MS,
    isFatal: (err) => !(err instanceof ConnectError),
    stopped,
  });
  switch (r.outcome) {
    case 'connected':
      return;
    case 'fatal':
      throw r.error;
    case 'exhausted':
      throw new ConnectError(head.address, `no answer for ${HEAD_LOST_TIMEOUT_MS / 1000} s since this job's driver started`, { cause: r.lastError ?? first });
    case 'stopped':
      throw first;
  }
}
