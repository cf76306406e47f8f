import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Field names whose values are secrets wherever they appear (top level or one
 * object deep). Logging them prints `[redacted]`; a test proves it.
 */
export const REDACTED_FIELDS = [
  'token',
  'secret',
  'password',
  'authorization',
  'credential',
  'credentials',
  'bootstrapToken',
  'adminToken',
  'privateKey',
  'fields',
  'secretAccessKey',
  'clientSecret',
  'serviceAccountJson',
];

const REDACT_PATHS = REDACTED_FIELDS.flatMap((f) => [f, `*.${f}`]);

/** The controller's root logger; components take `log.child({ component })`. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'slipstream-controller' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
