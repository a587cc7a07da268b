import os from 'node:os';

/**
 * The address other machines use to reach a server bound to `host`: the host itself, or this machine's first
 * non-internal IPv4 address when bound to all interfaces.
 */
export function advertiseHost(host: string): string {
  if (host !== '0.0.0.0' && host !== '::') return host;
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
