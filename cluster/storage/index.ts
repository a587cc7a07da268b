/** Object storage for the lake, the model registry and spill: a local folder or an S3 bucket prefix. */
export type { ObjectStorage } from './types.ts';
export { LocalStorage } from './local.ts';
export { S3Storage, s3StorageOptionsSchema, type S3StorageOptions } from './s3.ts';
export { openStorage, type OpenStorageOptions } from './open.ts';
export { InvalidKeyError, ObjectNotFoundError, StorageError, StorageOptionsError } from './errors.ts';
export { assertValidKey } from './keys.ts';
