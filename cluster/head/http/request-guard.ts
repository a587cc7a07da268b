/**
 * Cross-site request forgery checks for the head's HTTP API, as Ray's dashboard has to block browser requests
 * to its jobs API. The dashboard cookie is SameSite=Strict, but SameSite is about *sites*: a page on another
 * port of the same host (http://127.0.0.1:9999) is the same site, so its requests carry the cookie. So:
 *
 * - a state-changing request (anything but GET/HEAD/OPTIONS) and the ws upgrade must come from the head's own
 *   origin when they carry an Origin; a browser always sends one on those, and cannot forge it;
 * - one authorised by the cookie must carry it (a browser's), since API clients use the bearer header;
 * - the content types a page can send cross-origin without a CORS preflight (text/plain, forms, multipart)
 *   are refused with 415 everywhere: no route takes them, and a JSON route wants application/json.
 *
 * "Own origin" is the scheme and host the request was addressed to (its Host header, which a browser sets and
 * a page cannot): the dashboard may be reached as 127.0.0.1, localhost, a DNS name or through an SSH tunnel.
 */
import type { IncomingMessage } from 'node:http';

export type Credential = 'bearer' | 'cookie' | 'url';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The CORS-safelisted request content types of the Fetch standard: what a cross-origin form or fetch sends unasked. */
const SIMPLE_CONTENT_TYPES = new Set(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']);

export function changesState(method: string): boolean {
  return !SAFE_METHODS.has(method);
}

/** Why a request must be refused as cross-origin, or undefined when it may go on. */
export function crossOriginProblem(req: IncomingMessage, via: Credential): string | undefined {
  const origin = req.headers.origin;
  const host = req.headers.host ?? '';
  if (origin === undefined) {
    if (via !== 'cookie') return undefined;
    return 'a request authorised by the dashboard cookie must come from the dashboard page (it sent no Origin); API clients send "Authorization: Bearer TOKEN"';
  }
  if (host && (origin === `http://${host}` || origin === `https://${host}`)) return undefined;
  return `cross-origin request refused: Origin ${origin} is not this head (http://${host}); API clients send "Authorization: Bearer TOKEN" and no Origin`;
}

export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Why a request's Content-Type is refused for a route that takes `wants` (undefined: no body), or undefined. */
export function contentTypeProblem(req: IncomingMessage, wants: readonly string[] | undefined): string | undefined {
  const type = mediaType(req);
  const expected = wants ? `send Content-Type: ${wants[0]}` : 'send no body, or Content-Type: application/json';
  if (SIMPLE_CONTENT_TYPES.has(type)) return `Content-Type ${type} is not accepted here (a page on another origin can send it); ${expected}`;
  if (wants && !wants.includes(type)) return `Content-Type ${type || '(none)'} is not accepted here; ${expected}`;
  return undefined;
}
