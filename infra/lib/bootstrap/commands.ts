/**
 * How Convoy runs on a VM: the ports it listens on and the exact `convoy start` lines for head and workers.
 * Firewalls, cloud-init and the tests all read them from here, so a port moves in one place.
 */

/** Ports every node opens, and only inside the network (plus `access.clientCidrs`). */
export const CLUSTER_PORTS = {
  /** gRPC control plane on the head (`--port`). */
  grpc: 6380,
  /** Each worker's gRPC service (`--port`): task streams from drivers, and objects on TLS clusters. */
  workerGrpc: 6381,
  /** Each worker's object data plane (`--data-port`): raw object bytes between nodes' stores. */
  dataPlane: 6382,
  /** HTTP jobs API, dashboard and ws event feed on the head (`--dashboard-port`). */
  dashboard: 8265,
} as const;

export const CLUSTER_PORT_LIST: readonly number[] = Object.values(CLUSTER_PORTS);

/** Where cloud-init leaves the cluster token (mode 0600, owned by the `convoy` user). */
export const TOKEN_FILE = '/etc/convoy/token';
/** Extra environment for the Convoy process (`env` in the config, plus the lake URL). */
export const ENV_FILE = '/etc/convoy/env';

export type NodeRole = 'head' | 'cpu-worker' | 'gpu-worker';

export function headStartArgs(): string[] {
  return [
    'start', '--head',
    '--host', '0.0.0.0',
    '--port', String(CLUSTER_PORTS.grpc),
    '--dashboard-port', String(CLUSTER_PORTS.dashboard),
    '--token-file', TOKEN_FILE,
    '--block',
  ];
}

/** `headAddress` may be a Terraform token that resolves to the head's private IP at deploy time. */
export function workerStartArgs(headAddress: string, numGpus: number): string[] {
  return [
    'start',
    '--address', `${headAddress}:${CLUSTER_PORTS.grpc}`,
    '--host', '0.0.0.0',
    // Fixed ports (a worker would otherwise pick free ones) so the firewall rules above match them.
    '--port', String(CLUSTER_PORTS.workerGrpc),
    '--data-port', String(CLUSTER_PORTS.dataPlane),
    '--token-file', TOKEN_FILE,
    '--num-gpus', String(numGpus),
    '--block',
  ];
}
