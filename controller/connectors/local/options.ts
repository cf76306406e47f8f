/**
 * Options of the `local` driver: what the composition root injects (the agent
 * command, the agents' environment), compiled once with defaults.
 */
import { fileURLToPath } from 'node:url';

/** What a caller of `createLocalDriver` may set; everything has a default. */
export interface LocalDriverOptions {
  /**
   * The command that starts an agent, without `--config FILE` (appended).
   * Called at each provision, so the bundle may be built after the driver is
   * made. Default: this Node binary running `dist/agent.mjs` of the checkout.
   */
  agentCommand?: () => readonly string[];
  /**
   * The environment agents start with (the VM marker is added). Default: a
   * few neutral variables (PATH, HOME, LANG, ...) of this process, so that the
   * controller's own settings and secrets do not leak into recipes.
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** How long `terminate` waits for a VM's processes to go before failing (transient). Default 10 s. */
  terminateTimeoutMs?: number;
}

/** Validated, defaulted, frozen options. */
export interface CompiledLocalDriverOptions {
  readonly agentCommand: () => readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly terminateTimeoutMs: number;
}

/** Variables a VM's agent inherits from the controller by default. */
export const INHERITED_VARIABLES = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

/** The agent bundle the controller builds, next to the sources of this checkout. */
export const DEFAULT_AGENT_BUNDLE = fileURLToPath(new URL('../../../dist/agent.mjs', import.meta.url));

/** Applies defaults and validates once; throws with a message naming the option. */
export function compileLocalDriverOptions(input: LocalDriverOptions = {}): CompiledLocalDriverOptions {
  const agentCommand = input.agentCommand ?? (() => [process.execPath, DEFAULT_AGENT_BUNDLE]);
  if (typeof agentCommand !== 'function') throw new TypeError('local driver: agentCommand must be a function returning the command');
  const source = input.env ?? pick(process.env, INHERITED_VARIABLES);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) if (value !== undefined) env[key] = value;
  const terminateTimeoutMs = input.terminateTimeoutMs ?? 10_000;
  if (!Number.isInteger(terminateTimeoutMs) || terminateTimeoutMs <= 0) {
    throw new TypeError('local driver: terminateTimeoutMs must be a positive integer of milliseconds');
  }
  return Object.freeze({ agentCommand, env: Object.freeze(env), terminateTimeoutMs });
}

function pick(source: Readonly<Record<string, string | undefined>>, keys: string[]): Record<string, string | undefined> {
  return Object.fromEntries(keys.map((k) => [k, source[k]]));
}
