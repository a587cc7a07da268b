/** From a lake URL to a backend: paths and file:// URLs are local folders, s3:// URLs are bucket prefixes. */
import { describe, expect, it } from 'vitest';
import { StorageOptionsError, LocalStorage, openStorage, S3Storage } from '../../cluster/storage/index.ts';
import { resolve } from 'node:path';

describe('openStorage', () => {
  it('maps paths, file URLs and s3 URLs to their backends', () => {
    const local = openStorage('./data/lake');
    expect(local).toBeInstanceOf(LocalStorage);
    expect(local.url).toBe(resolve('data/lake'));
    expect(openStorage('file:///mnt/lake').url).toBe('/mnt/lake');
    const s3 = openStorage('s3://traffic-lake/raw/v1/', { s3: { region: 'eu-west-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true } });
    expect(s3).toBeInstanceOf(S3Storage);
    expect(s3.url).toBe('s3://traffic-lake/raw/v1');
    expect(openStorage('s3://traffic-lake').url).toBe('s3://traffic-lake/');
  });

  it('passes an ObjectStorage through unchanged', () => {
    const storage = new LocalStorage('/tmp/x');
    expect(openStorage(storage)).toBe(storage);
  });

  it('refuses credentials in the URL without repeating them', () => {
    const attempt = () => openStorage('s3://AKIAEXAMPLE:wJalrXUtnFEMI-secret@bucket/prefix');
    expect(attempt).toThrow(StorageOptionsError);
    try {
      attempt();
    } catch (error) {
      expect((error as Error).message).not.toContain('wJalrXUtnFEMI-secret');
      expect((error as Error).message).toMatch(/options\.s3\.credentials/);
    }
  });

  it('names bad URLs and options', () => {
    expect(() => openStorage('')).toThrow(/empty/);
    expect(() => openStorage('gs://bucket/x')).toThrow(/Unsupported storage URL scheme "gs"/);
    expect(() => openStorage('s3://Bad_Bucket/x')).toThrow(/bucket: must be an S3 bucket name/);
    expect(() => openStorage('s3://bucket/x', { s3: { partSize: 1024 } })).toThrow(/partSize/);
    expect(() => openStorage('s3://bucket/x', { s3: { credentials: { accessKeyId: 'A', secretAccessKey: '' } } })).toThrow(/credentials\.secretAccessKey/);
  });
});
