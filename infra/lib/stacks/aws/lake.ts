/**
 * AWS lake: an S3 bucket encrypted with SSE-S3, all public access blocked, ACLs disabled (bucket owner
 * enforced), and a bucket policy that refuses plain-HTTP requests.
 */
import { Construct } from '../../cdk.ts';
import type { ClusterConfig } from '../../config/schema.ts';
import {
  DataAwsIamPolicyDocument,
  S3Bucket,
  S3BucketEncryption,
  S3BucketOwnershipControls,
  S3BucketPolicy,
  S3BucketPublicAccessBlock,
} from '../../providers/aws.ts';

export class AwsLake extends Construct {
  readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, config: ClusterConfig, uniqueSuffix: string) {
    super(scope, id);
    this.bucket = new S3Bucket(this, 'bucket', {
      bucket: config.lake.bucketName ?? `${config.name}-lake-${uniqueSuffix}`,
      forceDestroy: config.lake.forceDestroy,
    });
    new S3BucketEncryption(this, 'encryption', {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' }, bucketKeyEnabled: true }],
    });
    new S3BucketPublicAccessBlock(this, 'public-access', {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'ownership', {
      bucket: this.bucket.id,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    new S3BucketPolicy(this, 'tls-only', {
      bucket: this.bucket.id,
      policy: new DataAwsIamPolicyDocument(this, 'tls-only-document', {
        statement: [
          {
            sid: 'DenyPlainHttp',
            effect: 'Deny',
            principals: [{ type: '*', identifiers: ['*'] }],
            actions: ['s3:*'],
            resources: [this.bucket.arn, `${this.bucket.arn}/*`],
            condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
          },
        ],
      }).json,
    });
  }

  get url(): string {
    return `s3://${this.bucket.bucket}`;
  }
}
