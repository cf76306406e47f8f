/**
 * The recipe commands (`ss-get`, `ss-set`, `ss-display`, `ss-abort`,
 * `ss-random`, `ss-get-all`), with SlipStream's names and options. Each is a
 * function of its arguments that returns an exit code: 0 ok, 1 failed (with a
 * clear message on stderr), 2 usage. They talk to the running agent over its
 * local socket; the agent forwards to the controller.
 */
import { randomInt } from 'node:crypto';
import { AgentUnreachableError, callAgent } from './local-client.js';
import { type LocalRequest, type LocalResponse, MAX_VALUE_BYTES } from './local-protocol.js';
import type { RecipeCommand } from './recipe-bin.js';

/** Where a command writes and what it reads. */
export interface CommandIO {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  /** Sends a request to the agent (default: over SLIPSTREAM_AGENT_SOCKET). */
  call?: (socketPath: string, request: LocalRequest) => Promise<LocalResponse>;
}

/** ss-get's default timeout. */
export const DEFAULT_GET_TIMEOUT_S = 60;
/** ss-random's default length. */
export const DEFAULT_RANDOM_LENGTH = 12;

const USAGE: Record<RecipeCommand, string> = {
  'ss-get': 'usage: ss-get [--timeout SECONDS] [--noblock] KEY\n  Prints the value of KEY, waiting until it is set (default 60 s; 0 = forever).',
  'ss-set': 'usage: ss-set KEY VALUE\n  Sets KEY (this instance\'s parameter when unqualified) to VALUE.',
  'ss-display': 'usage: ss-display MESSAGE\n  Shows MESSAGE as this instance\'s status (sets statecustom).',
  'ss-abort': 'usage: ss-abort [--cancel] MESSAGE\n  Aborts the run with MESSAGE; --cancel clears the abort.',
  'ss-random': 'usage: ss-random [-s LENGTH] KEY\n  Sets KEY to a random alphanumeric string (default length 12) and prints it.',
  'ss-get-all': 'usage: ss-get-all [--timeout SECONDS] NODE KEY\n  Prints KEY of every instance of NODE, one per line, waiting until all are set.',
};

/** Options each command takes: name -> whether it has a value. */
const OPTIONS: Record<RecipeCommand, Record<string, boolean>> = {
  'ss-get': { '--timeout': true, '--noblock': false },
  'ss-set': {},
  'ss-display': {},
  'ss-abort': { '--cancel': false },
  'ss-random': { '-s': true, '--size': true },
  'ss-get-all': { '--timeout': true },
};

class UsageError extends Error {}

/** Runs recipe command `name` with `args`; resolves with its exit code. */
export async function runRecipeCommand(name: RecipeCommand, args: readonly string[], io: CommandIO): Promise<number> {
  const fail = (message: string): number => {
    io.stderr(`${name}: ${message}\n`);
    return 1;
  };
  let parsed: Parsed;
  try {
    if (args.includes('-h') || args.includes('--help')) {
      io.stdout(USAGE[name] + '\n');
      return 0;
    }
    parsed = parseArgs(args, OPTIONS[name]);
  } catch (err) {
    io.stderr(`${name}: ${(err as Error).message}\n${USAGE[name]}\n`);
    return 2;
  }
  let plan: { request: LocalRequest; onOk(r: Extract<LocalResponse, { ok: true }>): void; onError(r: Extract<LocalResponse, { ok: false }>): string };
  try {
    plan = planCommand(name, parsed, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`${name}: ${err.message}\n${USAGE[name]}\n`);
      return 2;
    }
    return fail((err as Error).message);
  }
  const socket = io.env.SLIPSTREAM_AGENT_SOCKET;
  if (!socket) return fail('SLIPSTREAM_AGENT_SOCKET is not set: run recipe commands from a recipe, or point it at the agent socket');
  let response: LocalResponse;
  try {
    response = await (io.call ?? callAgent)(socket, plan.request);
  } catch (err) {
    if (err instanceof AgentUnreachableError) return fail(err.message);
    throw err;
  }
  if (!response.ok) return fail(plan.onError(response));
  plan.onOk(response);
  return 0;
}

interface Parsed {
  options: Map<string, string | true>;
  positional: string[];
}

function parseArgs(args: readonly string[], spec: Record<string, boolean>): Parsed {
  const options = new Map<string, string | true>();
  const positional: string[] = [];
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const eq = arg.indexOf('=');
    const flag = eq > 0 && arg.startsWith('--') ? arg.slice(0, eq) : arg;
    if (!(flag in spec)) throw new UsageError(`unknown option ${flag}`);
    if (spec[flag]) {
      const value = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : args[++i];
      if (value === undefined) throw new UsageError(`${flag} needs a value`);
      options.set(flag, value);
    } else {
      if (eq > 0 && arg.startsWith('--')) throw new UsageError(`${flag} takes no value`);
      options.set(flag, true);
    }
  }
  positional.push(...args.slice(i));
  return { options, positional };
}

function planCommand(name: RecipeCommand, { options, positional }: Parsed, io: CommandIO) {
  const exactly = (n: number, what: string): string[] => {
    if (positional.length !== n) throw new UsageError(`expected ${what}`);
    if (positional.some((p) => p === '')) throw new UsageError(`${what} must not be empty`);
    return positional;
  };
  const message = (required: boolean): string => {
    const text = positional.join(' ');
    if (required && text === '') throw new UsageError('expected MESSAGE');
    return text;
  };
  const checkSize = (what: string, value: string): void => {
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > MAX_VALUE_BYTES) throw new Error(`${what} is ${bytes} bytes; the limit is ${MAX_VALUE_BYTES} bytes (64 KiB)`);
  };
  const print = (text: string) => () => io.stdout(text + '\n');
  const generic = (r: { error: string; message: string }): string => r.message || r.error;

  switch (name) {
    case 'ss-get': {
      const [key] = exactly(1, 'KEY') as [string];
      const seconds = timeoutSeconds(options.get('--timeout'), DEFAULT_GET_TIMEOUT_S);
      const noblock = options.has('--noblock');
      return {
        request: { op: 'get', key, wait: !noblock, timeoutMs: toMs(seconds) } as LocalRequest,
        onOk: (r: { value?: string }) => io.stdout((r.value ?? '') + '\n'),
        onError: (r: { error: string; message: string }) => {
          if (r.error === 'timeout') return `timed out after ${seconds} s waiting for ${key}`;
          if (r.error === 'aborted') return `run aborted: ${r.message}`;
          if (r.error === 'not-found') return `${key} not found`;
          return generic(r);
        },
      };
    }
    case 'ss-get-all': {
      const [node, key] = exactly(2, 'NODE KEY') as [string, string];
      const seconds = timeoutSeconds(options.get('--timeout'), DEFAULT_GET_TIMEOUT_S);
      return {
        request: { op: 'getAll', node, key, wait: true, timeoutMs: toMs(seconds) } as LocalRequest,
        onOk: (r: { values?: string[] }) => io.stdout((r.values ?? []).map((v) => v + '\n').join('')),
        onError: (r: { error: string; message: string }) => {
          if (r.error === 'timeout') return `timed out after ${seconds} s waiting for ${key} of every instance of ${node}`;
          if (r.error === 'aborted') return `run aborted: ${r.message}`;
          if (r.error === 'not-found') return r.message || `${node}:${key} not found`;
          return generic(r);
        },
      };
    }
    case 'ss-set': {
      const [key, value] = positional.length === 2 ? (positional as [string, string]) : exactly(2, 'KEY VALUE');
      if (key === '') throw new UsageError('KEY must not be empty');
      checkSize(`the value of ${key}`, value!);
      return { request: { op: 'set', key, value: value! } as LocalRequest, onOk: () => undefined, onError: generic };
    }
    case 'ss-display': {
      const text = message(true);
      checkSize('the message', text);
      return { request: { op: 'set', key: 'statecustom', value: text } as LocalRequest, onOk: () => undefined, onError: generic };
    }
    case 'ss-abort': {
      const cancel = options.has('--cancel');
      const text = message(!cancel);
      checkSize('the message', text);
      return { request: { op: 'abort', message: text, cancel } as LocalRequest, onOk: () => undefined, onError: generic };
    }
    case 'ss-random': {
      const [key] = exactly(1, 'KEY') as [string];
      const raw = options.get('-s') ?? options.get('--size');
      const length = raw === undefined ? DEFAULT_RANDOM_LENGTH : Number(raw);
      if (!Number.isInteger(length) || length < 1 || length > MAX_VALUE_BYTES) {
        throw new UsageError(`-s must be a whole number from 1 to ${MAX_VALUE_BYTES}`);
      }
      const value = randomAlphanumeric(length);
      return { request: { op: 'set', key, value } as LocalRequest, onOk: print(value), onError: generic };
    }
  }
}

function timeoutSeconds(raw: string | true | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const seconds = Number(raw);
  if (raw === true || raw.trim() === '' || !Number.isFinite(seconds) || seconds < 0) {
    throw new UsageError('--timeout must be a number of seconds (0 = wait forever)');
  }
  return seconds;
}

function toMs(seconds: number): number {
  return Math.min(2_147_483_647, Math.max(seconds > 0 ? 1 : 0, Math.round(seconds * 1000)));
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random string of `length` letters and digits (crypto-strong). */
export function randomAlphanumeric(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}
