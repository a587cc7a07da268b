/**
 * Where a client's cluster token comes from, with a name for the source, so that a refused token can be
 * reported as "the token from CONVOY_TOKEN" rather than left for the user to guess (never the token itself).
 */
import { readTokenFile } from './auth.ts';

export interface TokenChoice {
  readonly token: string;
  /** Where it came from, for error messages: "CONVOY_TOKEN", "the token file /x/token", … */
  readonly source: string;
}

/** The token the caller passed: the `token` option, else the `tokenFile` option (`--token-file`). */
export function givenToken(token?: string, tokenFile?: string): TokenChoice | undefined {
  if (token) return { token, source: 'the token option' };
  if (tokenFile) return { token: readTokenFile(tokenFile), source: `the token file ${tokenFile}` };
  return undefined;
}

/** CONVOY_TOKEN, else the file CONVOY_TOKEN_FILE names. */
export function envToken(): TokenChoice | undefined {
  if (process.env.CONVOY_TOKEN) return { token: process.env.CONVOY_TOKEN, source: 'CONVOY_TOKEN' };
  const file = process.env.CONVOY_TOKEN_FILE;
  if (file) return { token: readTokenFile(file), source: `CONVOY_TOKEN_FILE (${file})` };
  return undefined;
}

/** The token file a head started with `convoy start --head` wrote (its record names it). */
export function headTokenFile(file: string): TokenChoice {
  return { token: readTokenFile(file), source: `the token file of the head \`convoy start\` started (${file})` };
}
