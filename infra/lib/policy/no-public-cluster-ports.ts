/**
 * Policy: no firewall rule lets the whole internet reach a cluster port (head gRPC 6380, worker gRPC 6381, object data plane 6382,
 * dashboard 8265) or SSH (22). Auth is on, but a token is no reason to expose a control plane: open them to
 * the network CIDR and `access.clientCidrs`, and SSH to `access.sshCidr`.
 */
import { CLUSTER_PORT_LIST } from '../bootstrap/commands.ts';
import { PolicyAspect } from './policy-aspect.ts';
import { blocks, strings } from './synth-index.ts';
import type { ResourceView, SynthIndex } from './synth-index.ts';

const SSH_PORT = 22;
const GUARDED_PORTS = [...CLUSTER_PORT_LIST, SSH_PORT];
const ANYWHERE = new Set(['0.0.0.0/0', '::/0', '*', 'internet', 'any']);

function isAnywhere(source: string): boolean {
  return ANYWHERE.has(source.trim().toLowerCase());
}

/** Which guarded ports a port spec opens: a number, "a-b", "*" or missing (= all). */
function portsInRange(from: unknown, to: unknown): number[] {
  if (from === undefined && to === undefined) return GUARDED_PORTS;
  const low = Number(from);
  const high = Number(to ?? from);
  if (Number.isNaN(low) || Number.isNaN(high)) return [];
  // AWS writes "all ports" as 0..0 or -1 with protocol -1; the caller handles the protocol.
  return GUARDED_PORTS.filter((port) => port >= low && port <= high);
}

function portsInSpec(spec: string): number[] {
  const trimmed = spec.trim();
  if (trimmed === '*' || trimmed === '') return GUARDED_PORTS;
  const [from, to] = trimmed.split('-');
  return portsInRange(from, to ?? from);
}

function describe(ports: number[]): string {
  return [...new Set(ports)].sort((a, b) => a - b).join(', ');
}

interface AwsRule {
  protocol: unknown;
  from: unknown;
  to: unknown;
  sources: string[];
}

function awsRules(resource: ResourceView): AwsRule[] {
  const c = resource.config;
  switch (resource.type) {
    case 'aws_vpc_security_group_ingress_rule':
      return [{ protocol: c.ip_protocol, from: c.from_port, to: c.to_port, sources: [...strings(c.cidr_ipv4), ...strings(c.cidr_ipv6)] }];
    case 'aws_security_group_rule':
      if (c.type !== 'ingress') return [];
      return [{ protocol: c.protocol, from: c.from_port, to: c.to_port, sources: [...strings(c.cidr_blocks), ...strings(c.ipv6_cidr_blocks)] }];
    case 'aws_security_group':
      return blocks(c.ingress).map((rule) => ({
        protocol: rule.protocol,
        from: rule.from_port,
        to: rule.to_port,
        sources: [...strings(rule.cidr_blocks), ...strings(rule.ipv6_cidr_blocks)],
      }));
    default:
      return [];
  }
}

function awsOpenPorts(rule: AwsRule): number[] {
  if (!rule.sources.some(isAnywhere)) return [];
  if (String(rule.protocol) === '-1' || String(rule.protocol).toLowerCase() === 'all') return GUARDED_PORTS;
  if (!['tcp', '6'].includes(String(rule.protocol).toLowerCase())) return [];
  return portsInRange(rule.from, rule.to);
}

function azureRules(resource: ResourceView): Record<string, unknown>[] {
  if (resource.type === 'azurerm_network_security_rule') return [resource.config];
  if (resource.type === 'azurerm_network_security_group') return blocks(resource.config.security_rule);
  return [];
}

function azureOpenPorts(rule: Record<string, unknown>): number[] {
  if (String(rule.direction).toLowerCase() !== 'inbound' || String(rule.access).toLowerCase() !== 'allow') return [];
  if (!['tcp', '*'].includes(String(rule.protocol).toLowerCase())) return [];
  const sources = [...strings(rule.source_address_prefix), ...strings(rule.source_address_prefixes)];
  if (!sources.some(isAnywhere)) return [];
  return [...strings(rule.destination_port_range), ...strings(rule.destination_port_ranges)].flatMap(portsInSpec);
}

function gcpOpenPorts(resource: ResourceView): number[] {
  if (resource.type !== 'google_compute_firewall') return [];
  const c = resource.config;
  if (c.direction !== undefined && String(c.direction).toUpperCase() !== 'INGRESS') return [];
  const sources = strings(c.source_ranges);
  // With no source ranges, tags or service accounts, GCP applies the rule to 0.0.0.0/0.
  const noSources = sources.length === 0 && strings(c.source_tags).length === 0 && strings(c.source_service_accounts).length === 0;
  if (!noSources && !sources.some(isAnywhere)) return [];
  return blocks(c.allow).flatMap((allow) => {
    const protocol = String(allow.protocol).toLowerCase();
    if (!['tcp', 'all', '6'].includes(protocol)) return [];
    const ports = strings(allow.ports);
    return ports.length === 0 ? GUARDED_PORTS : ports.flatMap(portsInSpec);
  });
}

export class NoPublicClusterPorts extends PolicyAspect {
  readonly rule = 'no-public-cluster-ports';

  protected override checkResource(resource: ResourceView, _index: SynthIndex): string[] {
    const open = [
      ...awsRules(resource).flatMap(awsOpenPorts),
      ...azureRules(resource).flatMap(azureOpenPorts),
      ...gcpOpenPorts(resource),
    ];
    if (open.length === 0) return [];
    const fix = open.every((port) => port === SSH_PORT)
      ? 'set access.sshCidr to a narrow range (a VPN or office), or leave it unset'
      : 'allow only the network CIDR and access.clientCidrs';
    return [`opens port(s) ${describe(open)} to the whole internet (0.0.0.0/0); ${fix}`];
  }
}
