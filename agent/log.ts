/**
 * A tiny JSON-lines logger (no pino in the VM bundle): constant messages,
 * facts in fields, one child per component, secrets redacted by field name.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Receives one serialized JSON line (without the trailing newline). */
export type LogSink = (line: string) => void;

export type LogFields = Record<string, unknown>;

/** The agent's logger: `log.warn({ instance }, 'heartbeat failed')`. */
export interface AgentLogger {
  debug(fields: LogFields | string, msg?: string): void;
  info(fields: LogFields | string, msg?: string): void;
  warn(fields: LogFields | string, msg?: string): void;
  error(fields: LogFields | string, msg?: string): void;
  /** A logger that adds `bindings` to every line (e.g. `{ component: 'session' }`). */
  child(bindings: LogFields): AgentLogger;
}

/**
 * Field names whose values are secrets wherever they appear (top level or one
 * object deep): they are written as `[redacted]`.
 */
export const REDACTED_FIELDS: readonly string[] = [
  'token',
  'bootstrapToken',
  'credential',
  'authorization',
  'secret',
  'password',
  'value',
];

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const REDACTED = new Set(REDACTED_FIELDS.map((f) => f.toLowerCase()));

/** Writes each line to stderr: the default sink. */
export const stderrSink: LogSink = (line) => {
  process.stderr.write(line + '\n');
};

/** Options of createAgentLogger. */
export interface AgentLoggerOptions {
  sink?: LogSink;
  /** Lines below this level are dropped; default `info`. */
  level?: LogLevel;
  bindings?: LogFields;
}

/** Creates the root logger. */
export function createAgentLogger(options: AgentLoggerOptions = {}): AgentLogger {
  const sink = options.sink ?? stderrSink;
  const min = LEVELS[options.level ?? 'info'];
  const make = (bindings: LogFields): AgentLogger => {
    const write = (level: LogLevel) => (fields: LogFields | string, msg?: string) => {
      if (LEVELS[level] < min) return;
      const [facts, message] = typeof fields === 'string' ? [{}, fields] : [fields, msg ?? ''];
      const record = { time: new Date().toISOString(), level, ...bindings, msg: message, ...redact(facts, 0) };
      try {
        sink(JSON.stringify(record));
      } catch {
        // A broken sink must never take the agent down.
      }
    };
    return {
      debug: write('debug'),
      info: write('info'),
      warn: write('warn'),
      error: write('error'),
      child: (more) => make({ ...bindings, ...redact(more, 0) }),
    };
  };
  return make(options.bindings ?? {});
}

function redact(fields: LogFields, depth: number): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (REDACTED.has(key.toLowerCase())) out[key] = '[redacted]';
    else if (value instanceof Error) out[key] = serializeError(value);
    else if (depth === 0 && value && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)) {
      out[key] = redact(value as LogFields, 1);
    } else out[key] = value;
  }
  return out;
}

function serializeError(err: Error): LogFields {
  const code = (err as { code?: unknown }).code;
  return { type: err.name, message: err.message, ...(code === undefined ? {} : { code }) };
}
