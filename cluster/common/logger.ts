/**
 * Loggers are created once per process and passed down, bound to a component (`{component: 'head'}`), as in
 * Temporal's SDK. Messages are short constants; data goes in fields. Secrets are redacted by key name as a
 * second line of defence: code must not log them in the first place.
 */
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

const REDACT = [
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'apiKey',
  '*.apiKey',
  'key',
  '*.key',
  'secret',
  '*.secret',
  'password',
  '*.password',
];

export interface LoggerOptions {
  /** @default process.env.CONVOY_LOG_LEVEL ?? 'info' */
  level?: string;
  /** Where to write: a file path, or stderr when absent. */
  file?: string;
  base?: Record<string, unknown>;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? process.env.CONVOY_LOG_LEVEL ?? 'info';
  const dest: DestinationStream = opts.file
    ? pino.destination({ dest: opts.file, mkdir: true, sync: false })
    : pino.destination({ dest: 2, sync: true });
  return pino({ level, base: opts.base ?? { pid: process.pid }, redact: { paths: REDACT, censor: '[redacted]' } }, dest);
}

/** A logger that discards everything, for library callers that pass none. */
export const silentLogger: Logger = pino({ level: 'silent' });
