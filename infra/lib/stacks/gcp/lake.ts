/**
 * GCP lake: a regional bucket with uniform bucket-level access and public access prevention enforced.
 * GCS encrypts every object at rest (Google-managed keys); access is by IAM only.
 */
import { Construct } from '../../cdk.ts';
import type { ClusterConfig } from '../../config/schema.ts';
import { StorageBucket } from '../../providers/gcp.ts';

export class GcpLake extends Construct {
  readonly bucket: StorageBucket;

  constructor(scope: Construct, id: string, config: ClusterConfig, uniqueSuffix: string, labels: Record<string, string>) {
    super(scope, id);
    this.bucket = new StorageBucket(this, 'bucket', {
      name: config.lake.bucketName ?? `${config.name}-lake-${uniqueSuffix}`,
      location: config.gcp.region.toUpperCase(),
      storageClass: 'STANDARD',
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      forceDestroy: config.lake.forceDestroy,
      labels,
    });
  }

  get url(): string {
    return `gs://${this.bucket.name}`;
  }
}
