/**
 * Carries a rendered text (cloud-init) into Terraform intact, with deploy-time values (the head's IP, a
 * secret's ARN) spliced in where the text holds CDKTF tokens.
 *
 * A plain attribute would let Terraform read `${…}` and `%{…}` in a shell script as its own template syntax,
 * and CDKTF refuses raw double quotes inside function arguments. So the text becomes
 * `join("", ["literal", reference, "literal"])`: each literal is escaped for an HCL string (CDKTF itself
 * turns `${` into `$${` there), and each token stays a reference.
 */
import { Fn } from '../cdk.ts';

const TOKEN_PATTERN = /(\$\{TfToken\[[^\]]+\]\})/;

function escapeHclLiteral(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/%\{/g, '%%{');
}

/** `text` as a Terraform string expression; use it for user data that Terraform must pass through verbatim. */
export function terraformString(text: string): string {
  const parts = text.split(TOKEN_PATTERN).filter((part) => part !== '');
  return Fn.join(
    '',
    parts.map((part) => (TOKEN_PATTERN.test(part) ? part : escapeHclLiteral(part))),
  );
}

/** The same, base64-encoded by Terraform (AWS launch templates and Azure custom_data want base64). */
export function terraformBase64(text: string): string {
  return Fn.base64encode(terraformString(text));
}
