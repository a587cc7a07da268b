/**
 * Reopening a broken head session, with a fake head: the owner hears "reconnected" after tries that failed,
 * gives up at once on a refused token with a message that says what to do, and stops when it was closed.
 */
import { describe, expect, it } from 'vitest';
import { reconnectHead, type HeadReconnectHost } from '../../cluster/client/head-reconnect.ts';
import type { HeadConnection } from '../../cluster/client/head-connection.ts';
import { AuthError, ConnectError } from '../../cluster/common/errors.ts';

function host(open: (n: number) => Promise<void>, closed = () => false) {
  let tries = 0;
  const log: string[] = [];
  const h: HeadReconnectHost = {
    head: { address: '127.0.0.1:6380', open: () => open(++tries) } as unknown as HeadConnection,
    isClosed: closed,
    onReconnected: () => log.push('reconnected'),
    onGiveUp: (key, warning, reason) => log.push(`gave up [${key}] ${warning} | ${reason}`),
  };
  return { h, log, tries: () => tries };
}

describe('head reconnect', () => {
  it('retries until the head answers, then tells the owner to repeat its demands', async () => {
    const t = host(async (n) => {
      if (n < 3) throw new ConnectError('127.0.0.1:6380', 'connection refused');
    });
    await reconnectHead(t.h, 'the head ended the session');
    expect(t.log).toEqual(['reconnected']);
    expect(t.tries()).toBe(3);
  });

  it('gives up at the first refused token, naming the way out', async () => {
    const t = host(async () => {
      throw new AuthError('UNAUTHENTICATED');
    });
    await reconnectHead(t.h, 'stream reset');
    expect(t.tries()).toBe(1);
    expect(t.log).toHaveLength(1);
    expect(t.log[0]).toContain('[head-token:stream reset]');
    expect(t.log[0]).toContain("refused this driver's cluster token after the connection dropped (stream reset)");
    expect(t.log[0]).toContain('CONVOY_TOKEN_FILE');
  });

  it('does nothing more once the owner closed', async () => {
    const t = host(
      async () => undefined,
      () => true,
    );
    await reconnectHead(t.h, 'gone');
    expect(t.log).toEqual([]);
    expect(t.tries()).toBe(0);
  });
});
