/**
 * Policy: no static credential is written into the configuration. VMs act through their instance identity
 * (IAM role, managed identity, service account); the deployer authenticates through the environment
 * (AWS_PROFILE, `az login`, `gcloud auth application-default login`); secrets live in the cloud's secret
 * store and reach it from random_password or from outside Terraform.
 *
 * Checked: provider blocks (access keys, client secrets, credential files' contents), literal values
 * written into secret resources, and every string of every resource (user data, env files, tags) for
 * things that look like keys: AWS access key ids, PEM private keys, service-account JSON, passwords in
 * URLs, and `SOMETHING_SECRET=value` assignments.
 */
import { PolicyAspect } from './policy-aspect.ts';
import { isExpression, stringLeaves } from './synth-index.ts';
import type { ProviderView, ResourceView, SynthIndex } from './synth-index.ts';

/** Provider arguments that hold a credential's value (not a path to one, not an identity's id). */
const PROVIDER_CREDENTIAL_FIELDS: Record<string, readonly string[]> = {
  aws: ['access_key', 'secret_key', 'token'],
  azurerm: ['client_secret', 'client_certificate', 'client_certificate_password', 'oidc_token'],
  google: ['credentials', 'access_token'],
};

/** Secret resources and the argument holding the value; a literal there is a credential in the code. */
const SECRET_VALUE_FIELDS: Record<string, readonly string[]> = {
  aws_secretsmanager_secret_version: ['secret_string', 'secret_binary'],
  azurerm_key_vault_secret: ['value'],
  google_secret_manager_secret_version: ['secret_data'],
};

/** Resources whose job is to make a secret: their outputs are references, never literals in the config. */
const GENERATORS = new Set(['random_password', 'tls_private_key']);

interface Pattern {
  what: string;
  pattern: RegExp;
}

const PATTERNS: readonly Pattern[] = [
  { what: 'an AWS access key id', pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { what: 'a PEM private key', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { what: 'a service-account key (JSON)', pattern: /\\?"private_key(_id)?\\?"\s*:/ },
  { what: 'a password inside a URL', pattern: /[a-z][a-z0-9+.-]*:\/\/[^/\s:@'"]+:[^/\s@'"$]+@/i },
  {
    what: 'a secret assigned to an environment variable',
    // KEY=value where the name ends in a secret-ish word and the value is a literal (not $VAR or a file path).
    pattern: /\b[A-Z0-9_]*(SECRET|PASSWORD|PASSWD|API_KEY|APIKEY|ACCESS_KEY|PRIVATE_KEY|TOKEN|CREDENTIALS)\s*=\s*(\\?["'])?(?![$/\\"'\s])\S/,
  },
];

function describeLiteral(path: string, what: string): string {
  return `${path} holds ${what}; keep it in the cloud's secret store and read it with the instance identity`;
}

export class NoStaticCredentials extends PolicyAspect {
  readonly rule = 'no-static-credentials';

  protected override checkProvider(provider: ProviderView): string[] {
    const fields = PROVIDER_CREDENTIAL_FIELDS[provider.type] ?? [];
    return fields
      .filter((field) => provider.config[field] !== undefined && provider.config[field] !== '')
      .map(
        (field) =>
          `sets ${field}; authenticate through the environment (AWS_PROFILE, az login, gcloud application-default login) instead`,
      );
  }

  protected override checkResource(resource: ResourceView, _index: SynthIndex): string[] {
    if (GENERATORS.has(resource.type)) return [];
    const problems: string[] = [];
    for (const field of SECRET_VALUE_FIELDS[resource.type] ?? []) {
      const value = resource.config[field];
      if (typeof value === 'string' && !isExpression(value)) {
        problems.push(`${field} is a literal; generate it (random_password) or set it outside Terraform`);
      }
    }
    for (const leaf of stringLeaves(resource.config)) {
      const hit = PATTERNS.find(({ pattern }) => pattern.test(leaf.value));
      if (hit) problems.push(describeLiteral(leaf.path, hit.what));
    }
    return problems;
  }
}
