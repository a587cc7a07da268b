/**
 * {@link ObjectStorage} on an S3 bucket prefix, for AWS S3 or any S3-compatible endpoint (MinIO, R2, Ceph,
 * s3rver in tests).
 *
 * Credentials come from `options.credentials` or, when absent, the SDK's standard chain (environment, shared
 * config files, SSO, instance and container roles), so a cluster VM with an instance identity needs no keys at
 * all. Neither the URL nor any error message carries them.
 *
 * Objects above `multipartThreshold` (and every streamed body) go up as multipart uploads through
 * `@aws-sdk/lib-storage`; S3 makes such an object visible only when the upload completes, which is what gives
 * `put` its all-or-nothing guarantee. A failed multipart upload is aborted, so no parts linger and cost money.
 */
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { ObjectNotFoundError, StorageError, StorageOptionsError } from './errors.ts';
import { assertValidKey, assertValidPrefix } from './keys.ts';
import type { ObjectStorage } from './types.ts';

const MIB = 1024 * 1024;

export const s3StorageOptionsSchema = z.strictObject({
  /** Bucket name. */
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3-63 of a-z 0-9 . -)'),
  /** Key prefix under which all objects live (`lake/traffic`). @default '' (bucket root) */
  prefix: z.string().default(''),
  /** Region used for signing. @default process.env.AWS_REGION ?? 'us-east-1' */
  region: z.string().min(1).optional(),
  /** Endpoint URL for S3-compatible stores (`http://127.0.0.1:9000`). @default AWS_ENDPOINT_URL_S3 ?? AWS_ENDPOINT_URL ?? the AWS endpoint for `region` */
  endpoint: z.url().optional(),
  /** Address buckets as `endpoint/bucket/key` instead of `bucket.endpoint/key`; most S3-compatible stores need it. @default false */
  forcePathStyle: z.boolean().default(false),
  /** Static credentials; omit to use the standard AWS chain (env, profile, SSO, instance role). @default undefined */
  credentials: z
    .strictObject({
      accessKeyId: z.string().min(1),
      secretAccessKey: z.string().min(1),
      sessionToken: z.string().min(1).optional(),
    })
    .optional(),
  /** Bodies of at least this many bytes go up as multipart uploads. @default 16 MiB */
  multipartThreshold: z.int().min(5 * MIB).default(16 * MIB),
  /** Size of each multipart part; S3 requires at least 5 MiB. @default 8 MiB */
  partSize: z.int().min(5 * MIB).default(8 * MIB),
  /** Parts uploaded in parallel per object; memory is about queueSize × partSize. @default 4 */
  queueSize: z.int().min(1).max(64).default(4),
  /** Attempts per request, with the SDK's exponential backoff on throttling, 5xx and network errors. @default 5 */
  maxAttempts: z.int().min(1).max(20).default(5),
});

export type S3StorageOptions = z.input<typeof s3StorageOptionsSchema>;
type CompiledS3Options = z.output<typeof s3StorageOptionsSchema>;

export class S3Storage implements ObjectStorage {
  readonly url: string;
  readonly #client: S3Client;
  readonly #options: CompiledS3Options;
  readonly #root: string;

  constructor(options: S3StorageOptions) {
    const parsed = s3StorageOptionsSchema.safeParse(options);
    if (!parsed.success) {
      // zod's issue list names the bad field; values are left out so a secret typed into a wrong field is not echoed.
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`).join('; ');
      throw new StorageOptionsError(`Invalid S3 storage options: ${problems}`);
    }
    this.#options = parsed.data;
    const prefix = parsed.data.prefix.replace(/^\/+|\/+$/g, '');
    if (prefix !== '') assertValidPrefix(prefix);
    this.#root = prefix === '' ? '' : `${prefix}/`;
    this.url = `s3://${parsed.data.bucket}/${prefix}`;
    const config: S3ClientConfig = {
      region: parsed.data.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      forcePathStyle: parsed.data.forcePathStyle,
      maxAttempts: parsed.data.maxAttempts,
    };
    const endpoint = parsed.data.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
    if (endpoint) {
      config.endpoint = endpoint;
      // Many S3-compatible stores reject the flexible checksums newer SDKs send by default.
      config.requestChecksumCalculation = 'WHEN_REQUIRED';
      config.responseChecksumValidation = 'WHEN_REQUIRED';
    }
    if (parsed.data.credentials) config.credentials = parsed.data.credentials;
    this.#client = new S3Client(config);
  }

  async put(key: string, body: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    const Key = this.#key(key);
    const { bucket: Bucket } = this.#options;
    try {
      if (body instanceof Uint8Array && body.byteLength < this.#options.multipartThreshold) {
        await this.#client.send(new PutObjectCommand({ Bucket, Key, Body: body, ContentLength: body.byteLength }));
        return;
      }
      const upload = new Upload({
        client: this.#client,
        params: { Bucket, Key, Body: body instanceof Uint8Array ? body : Readable.from(body) },
        partSize: this.#options.partSize,
        queueSize: this.#options.queueSize,
        leavePartsOnError: false,
      });
      await upload.done();
    } catch (error) {
      throw this.#wrap('put', key, error);
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const Key = this.#key(key);
    try {
      const reply = await this.#client.send(new GetObjectCommand({ Bucket: this.#options.bucket, Key }));
      return await reply.Body!.transformToByteArray();
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.#wrap('get', key, error);
    }
  }

  async getRange(key: string, start: number, end: number): Promise<Uint8Array> {
    const Key = this.#key(key);
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end >= start)) {
      throw new RangeError(`getRange(${JSON.stringify(key)}, ${start}, ${end}): need integers 0 <= start <= end.`);
    }
    if (end === start) {
      if ((await this.size(key)) === undefined) throw new ObjectNotFoundError(this.url, key, 'getRange');
      return new Uint8Array(0);
    }
    let bytes: Uint8Array;
    try {
      const reply = await this.#client.send(
        new GetObjectCommand({ Bucket: this.#options.bucket, Key, Range: `bytes=${start}-${end - 1}` }),
      );
      bytes = await reply.Body!.transformToByteArray();
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(this.url, key, 'getRange');
      throw this.#wrap('getRange', key, error);
    }
    if (bytes.byteLength !== end - start) {
      throw new StorageError(this.url, 'getRange', key, {
        cause: new RangeError(`range [${start}, ${end}) ends past the end of the object (${start + bytes.byteLength} bytes)`),
      });
    }
    return bytes;
  }

  async size(key: string): Promise<number | undefined> {
    const Key = this.#key(key);
    try {
      const reply = await this.#client.send(new HeadObjectCommand({ Bucket: this.#options.bucket, Key }));
      return reply.ContentLength ?? 0;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.#wrap('size', key, error);
    }
  }

  async *list(prefix = ''): AsyncIterable<{ key: string; size: number }> {
    assertValidPrefix(prefix);
    const pages = paginateListObjectsV2(
      { client: this.#client },
      { Bucket: this.#options.bucket, Prefix: this.#root + prefix },
    );
    try {
      // S3 lists keys in UTF-8 binary order, which is the lexicographic order the interface promises.
      for await (const page of pages) {
        for (const object of page.Contents ?? []) {
          if (object.Key === undefined || !object.Key.startsWith(this.#root)) continue;
          yield { key: object.Key.slice(this.#root.length), size: object.Size ?? 0 };
        }
      }
    } catch (error) {
      throw this.#wrap('list', prefix || undefined, error);
    }
  }

  async delete(key: string): Promise<void> {
    const Key = this.#key(key);
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#options.bucket, Key }));
    } catch (error) {
      if (isNotFound(error)) return;
      throw this.#wrap('delete', key, error);
    }
  }

  /** Server-side copy then delete. S3 caps a single copy at 5 GiB, far above the lake's file sizes. */
  async move(from: string, to: string): Promise<void> {
    const source = this.#key(from);
    const Key = this.#key(to);
    const { bucket: Bucket } = this.#options;
    try {
      await this.#client.send(
        new CopyObjectCommand({ Bucket, Key, CopySource: copySource(Bucket, source) }),
      );
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(this.url, from, 'move');
      throw this.#wrap('move', from, error);
    }
    await this.delete(from);
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }

  #key(key: string): string {
    assertValidKey(key);
    return this.#root + key;
  }

  #wrap(operation: string, key: string | undefined, error: unknown): StorageError {
    const name = (error as { name?: string } | undefined)?.name ?? '';
    const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
    let hint: string | undefined;
    if (['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken'].includes(name) || status === 403) {
      hint = 'Check the credentials (options.credentials or the AWS chain: AWS_ACCESS_KEY_ID, AWS_PROFILE, instance role) and the bucket policy';
    } else if (name === 'NoSuchBucket') {
      hint = `Create bucket ${JSON.stringify(this.#options.bucket)} first or fix the lake URL`;
    } else if (status === undefined && /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN/.test(String((error as Error)?.message))) {
      hint = 'The S3 endpoint is unreachable; check options.endpoint / AWS_ENDPOINT_URL and the network';
    }
    return new StorageError(this.url, operation, key, { cause: error, hint });
  }
}

/**
 * `x-amz-copy-source` must be URL-encoded. `/` and `=` (every Hive partition path has one) are left as they
 * are: S3 accepts them either way, and some S3-compatible servers decode the header with `decodeURI`, which
 * would leave `%3D` undecoded.
 */
function copySource(bucket: string, key: string): string {
  return encodeURIComponent(`${bucket}/${key}`).replace(/%2F/g, '/').replace(/%3D/g, '=');
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  if (e?.name === 'NoSuchBucket') return false; // a missing bucket is a configuration error, not a missing key
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}
