/**
 * Options of the `local` driver: what the composition root injects (the agent
 * bundle or command, the agents' environment, where VMs work and as whom),
 * compiled once with defaults.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../../../common/package-root.js';
import { copyAgentBundle, type AgentBundleSource } from './agent-bundle-copy.js';
import type { LocalVmPlacement } from './placement.js';

/** What a caller of `createLocalDriver` may set; everything has a default. */
export interface LocalDriverOptions {
  /**
   * The bundle agents run (with this Node binary). Called at each provision,
   * so the bundle may be built after the driver is made. Default:
   * `dist/agent.mjs` of the checkout. When VMs run as another user, they run
   * a copy in the work root, checked against `sha256`.
   */
  agentBundle?: () => Promise<AgentBundleSource>;
  /**
   * The command that starts an agent, without `--config FILE` (appended),
   * instead of Node running `agentBundle` (tests start stand-ins this way).
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
  /**
   * Where VMs work and as whom they run (see placement.ts); default: as this
   * process, each in its record folder under `<dataDir>/local-vms`.
   */
  placement?: LocalVmPlacement;
  /**
   * Why local VMs cannot start on this host (the start found the work root
   * unusable): every provision fails with it, naming the fix, while the
   * controller serves its other clouds.
   */
  unusableReason?: string;
}

/** Validated, defaulted, frozen options. */
export interface CompiledLocalDriverOptions {
  /** The agent's command line for the next provision (copying the bundle first when it must). */
  readonly agentCommand: () => Promise<readonly string[]>;
  readonly env: Readonly<Record<string, string>>;
  readonly terminateTimeoutMs: number;
  readonly placement: LocalVmPlacement;
  readonly unusableReason: string | undefined;
}

/** Variables a VM's agent inherits from the controller by default. */
export const INHERITED_VARIABLES = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

/** The agent bundle the controller builds, next to the sources of this checkout. */
export const DEFAULT_AGENT_BUNDLE = join(packageRoot(), 'dist', 'agent.mjs');

/** Applies defaults and validates once; throws with a message naming the option. */
export function compileLocalDriverOptions(input: LocalDriverOptions = {}): CompiledLocalDriverOptions {
  if (input.agentCommand !== undefined && typeof input.agentCommand !== 'function') {
    throw new TypeError('local driver: agentCommand must be a function returning the command');
  }
  if (input.agentBundle !== undefined && typeof input.agentBundle !== 'function') {
    throw new TypeError('local driver: agentBundle must be a function returning the bundle');
  }
  const placement: LocalVmPlacement = Object.freeze({ runAs: input.placement?.runAs, workRoot: input.placement?.workRoot });
  if (placement.runAs && placement.workRoot === undefined) {
    throw new TypeError('local driver: placement.workRoot is required with placement.runAs (the data dir is not theirs to reach)');
  }
  const given = input.agentCommand;
  const agentCommand = given
    ? async () => given()
    : bundleCommand(input.agentBundle ?? (async () => ({ path: DEFAULT_AGENT_BUNDLE })), placement.runAs ? placement.workRoot : undefined);
  const source = input.env ?? pick(process.env, INHERITED_VARIABLES);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) if (value !== undefined) env[key] = value;
  const terminateTimeoutMs = input.terminateTimeoutMs ?? 10_000;
  if (!Number.isInteger(terminateTimeoutMs) || terminateTimeoutMs <= 0) {
    throw new TypeError('local driver: terminateTimeoutMs must be a positive integer of milliseconds');
  }
  return Object.freeze({ agentCommand, env: Object.freeze(env), terminateTimeoutMs, placement, unusableReason: input.unusableReason || undefined });
}

/**
 * Node running the bundle: from where it was built, or (`copyTo`) from a
 * copy there, made once per bundle and again only if it disappears.
 */
function bundleCommand(bundle: () => Promise<AgentBundleSource>, copyTo: string | undefined): () => Promise<readonly string[]> {
  let copy: { key: string; path: Promise<string> } | undefined;
  return async () => {
    const source = await bundle();
    if (copyTo === undefined) return [process.execPath, source.path];
    const key = `${source.path}\0${source.sha256 ?? ''}`;
    if (copy?.key === key && !(await copy.path.then(access).then(() => true, () => false))) copy = undefined;
    if (copy?.key !== key) {
      const made = { key, path: copyAgentBundle(copyTo, source) };
      copy = made;
      made.path.catch(() => {
        if (copy === made) copy = undefined; // the next provision tries again
      });
    }
    return [process.execPath, await copy.path];
  };
}

function pick(source: Readonly<Record<string, string | undefined>>, keys: string[]): Record<string, string | undefined> {
  return Object.fromEntries(keys.map((k) => [k, source[k]]));
}
