/**
 * Resource vectors: how much cpu, gpu, memory and custom resources a task asks for or a node offers.
 *
 * Quantities are kept at 1/10,000 granularity (as Ray does) so that adding and subtracting fractional
 * requests such as `cpu: 0.1` ten times returns exactly to where it started.
 */
export type ResourceVector = Readonly<Record<string, number>>;

/** What a task or actor asks for. `memory` is in bytes; `custom` names user-defined resources. */
export interface ResourceRequest {
  /** @default 1 for tasks, 0 for actors' method calls (the actor holds its resources) */
  cpu?: number;
  /** @default 0 */
  gpu?: number;
  /** Bytes. @default 0 */
  memory?: number;
  /** User-defined resources, e.g. `{ tomtom_key: 1 }`. */
  custom?: Record<string, number>;
}

const GRANULARITY = 10_000;
const round = (x: number) => Math.round(x * GRANULARITY) / GRANULARITY;

/** Normalises a request into a vector, dropping zero entries. Throws TypeError on negative or non-finite amounts. */
export function toVector(request: ResourceRequest, defaults: { cpu: number } = { cpu: 1 }): ResourceVector {
  const out: Record<string, number> = {};
  const put = (name: string, amount: number | undefined) => {
    if (amount === undefined) return;
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
      throw new TypeError(`resource "${name}" must be a finite number ≥ 0, got ${String(amount)}`);
    }
    if (name === 'gpu' && amount > 1 && !Number.isInteger(amount)) {
      throw new TypeError(`resource "gpu" above 1 must be a whole number, got ${amount}`);
    }
    const r = round(amount);
    if (r > 0) out[name] = r;
  };
  put('cpu', request.cpu ?? defaults.cpu);
  put('gpu', request.gpu);
  put('memory', request.memory);
  for (const [name, amount] of Object.entries(request.custom ?? {})) {
    if (name === 'cpu' || name === 'gpu' || name === 'memory') {
      throw new TypeError(`custom resource "${name}" clashes with a built-in resource; use the ${name} option`);
    }
    put(name, amount);
  }
  return out;
}

export function fits(request: ResourceVector, available: ResourceVector): boolean {
  for (const name in request) {
    if ((available[name] ?? 0) + 1e-9 < request[name]!) return false;
  }
  return true;
}

/** The entries of `request` that `offer` cannot cover, as `name: wanted > offered` strings. */
export function shortfall(request: ResourceVector, offer: ResourceVector): string[] {
  const out: string[] = [];
  for (const name in request) {
    const have = offer[name] ?? 0;
    if (have + 1e-9 < request[name]!) out.push(`${name}: ${request[name]} > ${have}`);
  }
  return out;
}

export function subtract(a: ResourceVector, b: ResourceVector): ResourceVector {
  const out: Record<string, number> = { ...a };
  for (const name in b) out[name] = round((out[name] ?? 0) - b[name]!);
  return out;
}

export function add(a: ResourceVector, b: ResourceVector): ResourceVector {
  const out: Record<string, number> = { ...a };
  for (const name in b) out[name] = round((out[name] ?? 0) + b[name]!);
  return out;
}

/** Fraction of the node in use, the mean over the resources it has (0 = idle, 1 = full). */
export function utilization(total: ResourceVector, available: ResourceVector): number {
  let sum = 0;
  let n = 0;
  for (const name in total) {
    const t = total[name]!;
    if (t <= 0) continue;
    sum += 1 - (available[name] ?? 0) / t;
    n++;
  }
  return n === 0 ? 0 : sum / n;
}

/** A stable key for a resource shape, so equal requests share a lease pool: `cpu=1,gpu=1`. */
export function shapeKey(v: ResourceVector): string {
  return Object.keys(v)
    .sort()
    .map((k) => `${k}=${v[k]}`)
    .join(',');
}

/** The runtime's own bookkeeping resources (`_slots`, the leases a node takes): never shown to users. */
export function isInternalResource(name: string): boolean {
  return name.startsWith('_');
}

/**
 * A vector as people read it, e.g. `{cpu: 1, gpu: 1, memory: 2.0 GiB}`. Keys starting with `_` are the
 * runtime's own bookkeeping (`_slots`, the leases a node takes) and are left out: a user never asked for them.
 */
export function formatVector(v: ResourceVector): string {
  const keys = Object.keys(v)
    .filter((k) => !isInternalResource(k))
    .sort();
  if (keys.length === 0) return '{}';
  return `{${keys.map((k) => `${k}: ${k === 'memory' ? formatBytes(v[k]!) : v[k]}`).join(', ')}}`;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}
