/**
 * Proto ⇄ domain conversions, in named pairs that validate on the way in (Temporal's
 * compileRetryPolicy/decompileRetryPolicy). Nothing outside cluster/ sees proto types.
 */
import type { ResourceVector } from '../../scheduler/resources.ts';
import type { PlacementStrategy } from '../../scheduler/placement/types.ts';
import type { SerializedError } from '../common/errors.ts';
import type { Resources, Resources__Output } from './generated/convoy/v1/Resources.ts';
import type { ErrorInfo, ErrorInfo__Output } from './generated/convoy/v1/ErrorInfo.ts';
import type { FunctionDescriptor, FunctionDescriptor__Output } from './generated/convoy/v1/FunctionDescriptor.ts';
import type { PlacementStrategy as ProtoStrategy } from './generated/convoy/v1/PlacementStrategy.ts';

export function compileResources(v: ResourceVector): Resources {
  return { amounts: { ...v } };
}

export function decompileResources(r: Resources__Output | null | undefined): ResourceVector {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(r?.amounts ?? {})) {
    if (!Number.isFinite(v) || v < 0) throw new TypeError(`resource ${k} has an invalid amount ${v}`);
    out[k] = v;
  }
  return out;
}

export function compileError(e: SerializedError): ErrorInfo {
  return {
    name: e.name,
    message: e.message,
    stack: e.stack,
    dataJson: e.data && Object.keys(e.data).length ? safeJson(e.data) : '',
    cause: e.cause ? compileError(e.cause) : null,
  };
}

export function decompileError(e: ErrorInfo__Output | null | undefined): SerializedError {
  if (!e) return { name: 'Error', message: 'unknown remote error', stack: '' };
  let data: Record<string, unknown> | undefined;
  if (e.dataJson) {
    try {
      data = JSON.parse(e.dataJson) as Record<string, unknown>;
    } catch {
      data = undefined;
    }
  }
  return { name: e.name || 'Error', message: e.message, stack: e.stack, data, cause: e.cause ? decompileError(e.cause) : undefined };
}

/** A task function as the domain knows it. */
export interface FunctionRef {
  readonly moduleUrl: string;
  readonly exportName: string;
  /** Set when the module lives in an uploaded job directory: workers resolve it in their copy. */
  readonly packageId?: string;
  readonly packagePath?: string;
}

export function compileFunction(f: FunctionRef): FunctionDescriptor {
  return { moduleUrl: f.moduleUrl, exportName: f.exportName, packageId: f.packageId ?? '', packagePath: f.packagePath ?? '' };
}

export function decompileFunction(f: FunctionDescriptor__Output | null | undefined): FunctionRef {
  if (!f || !f.exportName) throw new TypeError('function descriptor without an export name');
  if (!f.moduleUrl && !f.packageId) throw new TypeError(`function ${f.exportName} has neither a module URL nor a package`);
  if (f.packageId && (!f.packagePath || f.packagePath.startsWith('/') || f.packagePath.split('/').includes('..'))) {
    throw new TypeError(`function ${f.exportName} has an invalid package path "${f.packagePath}"`);
  }
  return {
    moduleUrl: f.moduleUrl,
    exportName: f.exportName,
    packageId: f.packageId || undefined,
    packagePath: f.packagePath || undefined,
  };
}

export function compileStrategy(s: PlacementStrategy): ProtoStrategy {
  return s === 'spread' ? 'SPREAD' : 'PACK';
}

export function decompileStrategy(s: string | undefined): PlacementStrategy {
  return s === 'SPREAD' ? 'spread' : 'pack';
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
  } catch {
    return '';
  }
}
