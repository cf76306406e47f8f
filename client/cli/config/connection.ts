/**
 * Which controller and token a command uses: flags beat environment
 * (`SLIPSTREAM_ADDR`, `SLIPSTREAM_TOKEN`), which beats the current context.
 */
import type { CliConfig } from './file.js';

/** The global `--addr` / `--token` flags. */
export interface ConnectionFlags {
  addr?: string;
  token?: string;
  ca?: string;
}

/** Where a setting came from, for `context show`. */
export type SettingSource = 'flag' | 'env' | 'context';

/** The effective connection; `address` is undefined when nothing names one. */
export interface ResolvedConnection {
  /** The current context's name, if one is set and exists. */
  context?: string;
  address?: string;
  addressSource?: SettingSource;
  token?: string;
  tokenSource?: SettingSource;
  /** PEM file of the controller's CA: TLS pinned to it; plaintext when undefined. */
  ca?: string;
}

/**
 * Resolves the connection. The context's token is used only with the
 * context's own address: a token must not be sent to a controller it was not
 * issued by just because `--addr` pointed elsewhere.
 */
export function resolveConnection(
  config: CliConfig,
  env: Readonly<Record<string, string | undefined>>,
  flags: ConnectionFlags,
): ResolvedConnection {
  const name = config.current;
  const context = name === undefined ? undefined : config.contexts[name];
  const out: ResolvedConnection = context ? { context: name } : {};
  const pick = (flag: string | undefined, envValue: string | undefined, fromContext: string | undefined) =>
    flag ? { value: flag, source: 'flag' as const }
    : envValue ? { value: envValue, source: 'env' as const }
    : fromContext ? { value: fromContext, source: 'context' as const }
    : undefined;
  const address = pick(flags.addr, env.SLIPSTREAM_ADDR, context?.address);
  const sameController = address !== undefined && address.value === context?.address;
  const token = pick(flags.token, env.SLIPSTREAM_TOKEN, sameController ? context?.token : undefined);
  if (address) Object.assign(out, { address: address.value, addressSource: address.source });
  if (token) Object.assign(out, { token: token.value, tokenSource: token.source });
  const ca = pick(flags.ca, env.SLIPSTREAM_CA, sameController ? context?.ca : undefined);
  if (ca) out.ca = ca.value;
  return out;
}
