/**
 * `convoy/storage`: object storage for the lake, the model registry, checkpoints and the object store's spill
 * tier: a local folder or an S3 bucket prefix (any S3-compatible endpoint), behind one `ObjectStorage`
 * interface. The bottom layer: it imports nothing else of Convoy's.
 *
 * @example
 * ```ts
 * import { openStorage } from 'convoy/storage';
 *
 * const storage = openStorage('s3://traffic/models', { s3: { region: 'eu-west-1' } }); // or a folder path
 * await storage.put('notes/hello.txt', new TextEncoder().encode('hi'));
 * for await (const { key, size } of storage.list('notes/')) console.log(key, size);
 * ```
 */
export type { ObjectStorage } from './types.ts';
export { LocalStorage } from './local.ts';
export { S3Storage, s3StorageOptionsSchema, type S3StorageOptions } from './s3.ts';
export { openStorage, type OpenStorageOptions } from './open.ts';
export { InvalidKeyError, ObjectNotFoundError, StorageError, StorageOptionsError } from './errors.ts';
export { assertValidKey } from './keys.ts';
