/**
 * Which controller and token a command uses: flags beat environment
 * (`SLIPSTREAM_ADDR`, `SLIPSTREAM_TOKEN`, `SLIPSTREAM_CA`,
 * `SLIPSTREAM_TLS_SERVER_NAME`), which beats the current context.
 * An address may name several replicas: `h1:7070,h2:7070`.
 */
import { UsageError } from '../errors.js';
import type { CliConfig } from './file.js';

/** The global `--addr` / `--token` / `--ca` / `--tls-server-name` flags. */
export interface ConnectionFlags {
  /** One address, or replicas comma-separated (repeated --addr flags are joined so). */
  addr?: string;
  token?: string;
  ca?: string;
  tlsServerName?: string;
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
  /** The name the controller's certificate must carry instead of the address's host (TLS only). */
  tlsServerName?: string;
  tlsServerNameSource?: SettingSource;
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
  const sameController = address !== undefined && context !== undefined && isWithin(address.value, context.address);
  const token = pick(flags.token, env.SLIPSTREAM_TOKEN, sameController ? context?.token : undefined);
  if (address) Object.assign(out, { address: address.value, addressSource: address.source });
  if (token) Object.assign(out, { token: token.value, tokenSource: token.source });
  const ca = pick(flags.ca, env.SLIPSTREAM_CA, sameController ? context?.ca : undefined);
  if (ca) out.ca = ca.value;
  // Like the CA: the context's name belongs to the context's own controller.
  const serverName = pick(flags.tlsServerName, env.SLIPSTREAM_TLS_SERVER_NAME, sameController ? context?.tlsServerName : undefined);
  if (serverName) Object.assign(out, { tlsServerName: serverName.value, tlsServerNameSource: serverName.source });
  return out;
}

/** The replicas of an address list: trimmed, in order. */
export function splitAddresses(addresses: string): string[] {
  return addresses.split(',').map((a) => a.trim());
}

/** Every replica `addresses` names is one of the context's: the context's token may go to them. */
function isWithin(addresses: string, contextAddresses: string): boolean {
  const known = splitAddresses(contextAddresses);
  return splitAddresses(addresses).every((a) => known.includes(a));
}

/**
 * An address list as a context saves it (`h1:7070,h2:7070`); a usage error
 * for an empty entry or a replica named twice.
 */
export function normalizeAddresses(addresses: string): string {
  const list = splitAddresses(addresses);
  if (list.some((a) => a === '')) throw new UsageError(`--addr '${addresses}': an address is empty (expected HOST:PORT, or several separated by commas)`);
  const twice = list.find((a, i) => list.indexOf(a) !== i);
  if (twice !== undefined) throw new UsageError(`--addr '${addresses}': ${twice} is given twice`);
  return list.join(',');
}

/** commander's parser of a repeatable --addr: the values joined as one list. */
export function joinAddresses(value: string, previous: string | undefined): string {
  return previous === undefined ? value : `${previous},${value}`;
}
