/**
 * Where a VM reads the cluster token, and the shell that reads it with the VM's own identity (no keys on
 * disk, none in user data). Each snippet is the body of a bash function that prints the token on stdout and
 * fails (non-zero) when it could not; the caller retries, because fresh role grants take minutes to apply.
 */

export type TokenSource =
  | { kind: 'aws-secrets-manager'; region: string; secretId: string }
  | { kind: 'azure-key-vault'; vaultName: string; secretName: string; identityClientId: string }
  | { kind: 'gcp-secret-manager'; project: string; secret: string };

/** Single-quotes a value for bash; Terraform tokens inside resolve to ids and names without quotes. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Human name of the store, for log lines. */
export function describeTokenSource(source: TokenSource): string {
  switch (source.kind) {
    case 'aws-secrets-manager':
      return 'AWS Secrets Manager';
    case 'azure-key-vault':
      return 'Azure Key Vault';
    case 'gcp-secret-manager':
      return 'GCP Secret Manager';
  }
}

/** Packages the snippet needs beyond the base image (installed by cloud-init before it runs). */
export function tokenSourcePackages(source: TokenSource): string[] {
  return source.kind === 'aws-secrets-manager' ? [] : ['curl', 'jq'];
}

/** Lines of the `fetch_token` bash function body. */
export function tokenFetchLines(source: TokenSource): string[] {
  switch (source.kind) {
    case 'aws-secrets-manager':
      // Ubuntu images carry snapd; the AWS CLI signs the request with the instance profile's role.
      return [
        'command -v aws >/dev/null 2>&1 || snap install aws-cli --classic >/dev/null || return 1',
        `aws secretsmanager get-secret-value --region ${shellQuote(source.region)} --secret-id ${shellQuote(source.secretId)} --query SecretString --output text`,
      ];
    case 'azure-key-vault': {
      const tokenUrl =
        'http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net&client_id=';
      return [
        `local access`,
        `access=$(curl -fsS -H Metadata:true ${shellQuote(tokenUrl + source.identityClientId)} | jq -er .access_token) || return 1`,
        `curl -fsS -H "Authorization: Bearer $access" ${shellQuote(`https://${source.vaultName}.vault.azure.net/secrets/${source.secretName}?api-version=7.4`)} | jq -er .value`,
      ];
    }
    case 'gcp-secret-manager':
      return [
        `local access`,
        `access=$(curl -fsS -H 'Metadata-Flavor: Google' 'http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token' | jq -er .access_token) || return 1`,
        `curl -fsS -H "Authorization: Bearer $access" ${shellQuote(`https://secretmanager.googleapis.com/v1/projects/${source.project}/secrets/${source.secret}/versions/latest:access`)} | jq -er .payload.data | base64 -d`,
      ];
  }
}
