/**
 * Scrubbing credentials from anything that may be logged or thrown.
 *
 * Providers take keys in the query string (`key=`, `apiKey=`, `access_token=`), so every URL that leaves
 * the HTTP layer goes through `redactUrl`, and response bodies quoted in errors go through `redactText`
 * (some providers echo the request URL in their error pages).
 */

const SECRET_PARAMS = ['key', 'apikey', 'api_key', 'access_token', 'token', 'apiKey'];
const PARAM_RE = new RegExp(`([?&](?:${SECRET_PARAMS.join('|')})=)[^&#\\s"']*`, 'gi');

export function redactUrl(url: string | URL): string {
  return String(url).replace(PARAM_RE, '$1***');
}

/** Replaces credential query parameters and any of the given secret values in free text. */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(PARAM_RE, '$1***');
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***');
  return out;
}

/** First `max` characters of a body, single-lined and redacted, for error messages. */
export function bodySnippet(body: string, secrets: readonly string[] = [], max = 200): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return redactText(flat.length > max ? `${flat.slice(0, max)}…` : flat, secrets);
}
