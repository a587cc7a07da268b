/** Where a client's cluster token comes from, in order. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readTokenFile } from './auth.ts';
import { AuthError } from './errors.ts';
import { latestSessionDir } from './paths.ts';

/** Token from the option, CONVOY_TOKEN, a token file, or the local session's token (same machine as the head). */
export function resolveToken(token?: string, tokenFile?: string): string {
  if (token) return token;
  if (process.env.CONVOY_TOKEN) return process.env.CONVOY_TOKEN;
  const file = tokenFile ?? process.env.CONVOY_TOKEN_FILE;
  if (file) return readTokenFile(file);
  const local = path.join(latestSessionDir(), 'token');
  if (existsSync(local)) return readTokenFile(local);
  throw new AuthError(
    'no cluster token: set CONVOY_TOKEN, pass --token-file / { tokenFile }, or run on the head machine (the token is in the path `convoy start --head` printed)',
  );
}
