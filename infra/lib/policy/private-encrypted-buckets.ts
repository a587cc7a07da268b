/**
 * Policy: the lake's bucket (and any other bucket in the stack) is encrypted at rest and never public.
 *
 * - S3: a server-side encryption configuration and a public access block with all four switches on, and
 *   no public canned ACL.
 * - Azure: the storage account refuses anonymous access, plain HTTP and TLS below 1.2, has infrastructure
 *   (double) encryption on, and its containers are private. Azure always encrypts at rest; infrastructure
 *   encryption is the switch that can be forgotten.
 * - GCS: public access prevention enforced, uniform bucket-level access, and no IAM grant to allUsers or
 *   allAuthenticatedUsers. GCS always encrypts at rest; a customer key is optional.
 */
import { PolicyAspect } from './policy-aspect.ts';
import { blocks, references, strings } from './synth-index.ts';
import type { ResourceView, SynthIndex } from './synth-index.ts';

const PUBLIC_ACLS = new Set(['public-read', 'public-read-write', 'authenticated-read']);
const PUBLIC_MEMBERS = /^(allUsers|allAuthenticatedUsers)$/;
const S3_ALGORITHMS = new Set(['AES256', 'aws:kms', 'aws:kms:dsse']);
const PUBLIC_ACCESS_SWITCHES = ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'] as const;

function s3Problems(bucket: ResourceView, index: SynthIndex): string[] {
  const problems: string[] = [];
  const encrypted = index
    .referencing(bucket, 'aws_s3_bucket_server_side_encryption_configuration')
    .some((config) =>
      blocks(config.config.rule).some((rule) =>
        blocks(rule.apply_server_side_encryption_by_default).some((byDefault) => S3_ALGORITHMS.has(String(byDefault.sse_algorithm))),
      ),
    );
  if (!encrypted) problems.push('has no aws_s3_bucket_server_side_encryption_configuration with AES256 or aws:kms; add one');
  const blocked = index
    .referencing(bucket, 'aws_s3_bucket_public_access_block')
    .some((block) => PUBLIC_ACCESS_SWITCHES.every((key) => block.config[key] === true));
  if (!blocked) problems.push(`has no aws_s3_bucket_public_access_block with ${PUBLIC_ACCESS_SWITCHES.join(', ')} all true; add one`);
  const acls = [bucket, ...index.referencing(bucket, 'aws_s3_bucket_acl')].map((resource) => String(resource.config.acl ?? ''));
  if (acls.some((acl) => PUBLIC_ACLS.has(acl))) problems.push('has a public canned ACL; remove it');
  return problems;
}

function azureAccountProblems(account: ResourceView): string[] {
  const c = account.config;
  const problems: string[] = [];
  // The provider's default for this switch is true, so it must be written out as false.
  if (c.allow_nested_items_to_be_public !== false) problems.push('must set allow_nested_items_to_be_public = false');
  if (c.https_traffic_only_enabled === false) problems.push('must not allow plain HTTP (https_traffic_only_enabled)');
  if (c.min_tls_version !== undefined && c.min_tls_version !== 'TLS1_2' && c.min_tls_version !== 'TLS1_3') {
    problems.push('must require TLS 1.2 or newer (min_tls_version)');
  }
  if (c.infrastructure_encryption_enabled !== true) problems.push('must set infrastructure_encryption_enabled = true');
  return problems;
}

function azureContainerProblems(container: ResourceView): string[] {
  const access = container.config.container_access_type;
  return access === undefined || access === 'private' ? [] : [`container_access_type "${String(access)}" makes blobs public; use "private"`];
}

function gcsProblems(bucket: ResourceView, index: SynthIndex): string[] {
  const problems: string[] = [];
  if (bucket.config.public_access_prevention !== 'enforced') problems.push('must set public_access_prevention = "enforced"');
  if (bucket.config.uniform_bucket_level_access !== true) problems.push('must set uniform_bucket_level_access = true');
  const encryption = blocks(bucket.config.encryption);
  if (encryption.some((block) => !block.default_kms_key_name)) problems.push('has an encryption block without default_kms_key_name');
  const publicGrants = index
    .referencing(bucket, 'google_storage_bucket_iam_member', 'google_storage_bucket_iam_binding')
    .filter((grant) => [...strings(grant.config.member), ...strings(grant.config.members)].some((member) => PUBLIC_MEMBERS.test(member)));
  if (publicGrants.length > 0) {
    problems.push(`is granted to allUsers/allAuthenticatedUsers by ${publicGrants.map((grant) => grant.address).join(', ')}`);
  }
  return problems;
}

function gcsGrantProblems(grant: ResourceView, index: SynthIndex): string[] {
  const members = [...strings(grant.config.member), ...strings(grant.config.members)];
  const targetsBucket = references(grant.config.bucket).some((address) => index.get(address)?.type === 'google_storage_bucket');
  if (!members.some((member) => PUBLIC_MEMBERS.test(member))) return [];
  return [`grants a bucket${targetsBucket ? ' in this stack' : ''} to ${members.filter((m) => PUBLIC_MEMBERS.test(m)).join(', ')}; grant service accounts only`];
}

export class PrivateEncryptedBuckets extends PolicyAspect {
  readonly rule = 'private-encrypted-buckets';

  protected override checkResource(resource: ResourceView, index: SynthIndex): string[] {
    switch (resource.type) {
      case 'aws_s3_bucket':
        return s3Problems(resource, index);
      case 'azurerm_storage_account':
        return azureAccountProblems(resource);
      case 'azurerm_storage_container':
        return azureContainerProblems(resource);
      case 'google_storage_bucket':
        return gcsProblems(resource, index);
      case 'google_storage_bucket_iam_member':
      case 'google_storage_bucket_iam_binding':
        return gcsGrantProblems(resource, index);
      default:
        return [];
    }
  }
}
