/**
 * `_lake.json`: what a lake holds (Arrow schema, partition spec), written by the first shard, so that a lake
 * opened later without options (`convoy lake ls s3://…`) knows its schema and a writer with a different schema
 * is refused instead of mixing incompatible files.
 */
import { Schema, Table, tableFromIPC, tableToIPC, Type, type DataType, type Dictionary } from 'apache-arrow';
import { z } from 'zod';
import type { ObjectStorage } from '../../cluster/storage/index.ts';
import { LAKE_DESCRIPTOR_KEY } from './commit.ts';
import { LakeMetadataError } from './errors.ts';
import { partitionFieldSchema, type PartitionField } from './partitioning.ts';

const descriptorSchema = z.strictObject({
  format: z.literal('convoy-lake/1'),
  /** Arrow IPC stream holding only the schema, base64. */
  arrowSchema: z.string(),
  /** The same schema for people reading the file. */
  columns: z.array(z.strictObject({ name: z.string(), type: z.string(), nullable: z.boolean() })),
  partitioning: z.array(partitionFieldSchema),
  createdAt: z.string(),
});

export interface LakeDescriptor {
  schema: Schema;
  partitioning: PartitionField[];
}

export async function readDescriptor(storage: ObjectStorage): Promise<LakeDescriptor | undefined> {
  const bytes = await storage.get(LAKE_DESCRIPTOR_KEY);
  if (bytes === undefined) return undefined;
  try {
    const parsed = descriptorSchema.parse(JSON.parse(new TextDecoder().decode(bytes)));
    const schema = tableFromIPC(Buffer.from(parsed.arrowSchema, 'base64')).schema;
    return { schema, partitioning: parsed.partitioning };
  } catch (error) {
    throw new LakeMetadataError(storage.url, LAKE_DESCRIPTOR_KEY, { cause: error });
  }
}

export async function writeDescriptor(storage: ObjectStorage, descriptor: LakeDescriptor): Promise<void> {
  const body = {
    format: 'convoy-lake/1',
    arrowSchema: Buffer.from(tableToIPC(new Table(descriptor.schema), 'stream')).toString('base64'),
    columns: descriptor.schema.fields.map((f) => ({ name: f.name, type: String(f.type), nullable: f.nullable })),
    partitioning: descriptor.partitioning,
    createdAt: new Date().toISOString(),
  } satisfies z.input<typeof descriptorSchema>;
  await storage.put(LAKE_DESCRIPTOR_KEY, new TextEncoder().encode(`${JSON.stringify(body, null, 1)}\n`));
}

/** Human-readable differences between two schemas (names, order, types, nullability); empty when equal. */
export function schemaDifferences(expected: Schema, actual: Schema): string[] {
  const out: string[] = [];
  const actualByName = new Map(actual.fields.map((f, i) => [f.name, { field: f, index: i }]));
  expected.fields.forEach((field, i) => {
    const other = actualByName.get(field.name);
    if (!other) return out.push(`column ${JSON.stringify(field.name)} is missing`);
    if (other.index !== i) out.push(`column ${JSON.stringify(field.name)} is at position ${other.index}, expected ${i}`);
    if (!sameType(field.type, other.field.type)) out.push(`column ${JSON.stringify(field.name)} is ${other.field.type}, expected ${field.type}`);
    if (field.nullable !== other.field.nullable) {
      out.push(`column ${JSON.stringify(field.name)} is ${other.field.nullable ? '' : 'not '}nullable, expected ${field.nullable ? '' : 'not '}nullable`);
    }
    return undefined;
  });
  const expectedNames = new Set(expected.names);
  for (const field of actual.fields) if (!expectedNames.has(field.name)) out.push(`column ${JSON.stringify(field.name)} is not in the lake`);
  return out;
}

/** Type equality that ignores dictionary ids (which differ between equal schemas built separately). */
export function sameType(a: DataType, b: DataType): boolean {
  if (a.typeId !== b.typeId) return false;
  if (a.typeId === Type.Dictionary) {
    const da = a as Dictionary;
    const db = b as Dictionary;
    return sameType(da.dictionary, db.dictionary) && sameType(da.indices, db.indices);
  }
  return String(a) === String(b);
}
