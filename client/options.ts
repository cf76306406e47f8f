/**
 * Client options: what a caller passes to createSlipstreamClient, compiled once
 * into frozen settings with defaults applied and mistakes reported up front.
 */
import type { ChannelOptions } from '@grpc/grpc-js';

/** Options of createSlipstreamClient. */
export interface SlipstreamClientOptions {
  /**
   * `host:port` of the controller; replicas as a comma-separated list
   * (`h1:7070,h2:7070`): calls go to the first, and one that finds it
   * unreachable moves on to the next (see `addresses`).
   */
  address?: string;
  /**
   * The controller replicas, in order of preference (instead of, or added
   * after, `address`). A call safe to repeat that fails UNAVAILABLE is repeated
   * on the next one, within its deadline; later calls stay there.
   */
  addresses?: readonly string[];
  /** API token sent as `authorization: Bearer <token>` on every call; omit for none. */
  token?: string;
  /**
   * Use TLS; `ca` replaces the system roots (PEM). Plaintext when absent.
   * `serverName`: the DNS name or IP the controller's certificate must carry,
   * when not the address's host. An IP is never sent as the TLS server name
   * (SNI); the certificate is still checked against it.
   */
  tls?: { ca?: Buffer; serverName?: string };
  /** Deadline of a call that sets none itself, in milliseconds; 0 = no deadline. Default 30 s. */
  defaultTimeoutMs?: number;
  /** Extra grpc-js channel options (keepalive, message sizes, ...). */
  channelOptions?: ChannelOptions;
}

/** Options of one call. */
export interface CallOptions {
  /** Fail with DeadlineExceededError after this many milliseconds (overrides the client default). */
  timeoutMs?: number;
  /** Absolute deadline; wins over `timeoutMs`. */
  deadline?: Date;
  /** Cancels the call when aborted. */
  signal?: AbortSignal;
}

/** Validated, frozen client options. */
export interface CompiledClientOptions {
  /** Every address, comma-separated. */
  readonly address: string;
  /** The replicas' addresses, in order of preference (at least one). */
  readonly addresses: readonly string[];
  readonly token: string | undefined;
  readonly tls: { readonly ca?: Buffer; readonly serverName?: string } | undefined;
  readonly defaultTimeoutMs: number;
  readonly channelOptions: Readonly<ChannelOptions>;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Whether `name` can be `tls.serverName`: a host name or IP address, so nothing empty and no whitespace. */
export function isTlsServerName(name: unknown): name is string {
  return typeof name === 'string' && name !== '' && !/\s/.test(name);
}

/** Applies defaults and validates; throws TypeError naming the bad option. */
export function compileClientOptions(options: SlipstreamClientOptions): CompiledClientOptions {
  const addresses = [...(options.address ?? '').split(','), ...(options.addresses ?? [])].map((a) => a.trim()).filter((a) => a !== '');
  if (addresses.length === 0) throw new TypeError('createSlipstreamClient: `address` is required (host:port)');
  const duplicate = addresses.find((a, i) => addresses.indexOf(a) !== i);
  if (duplicate !== undefined) throw new TypeError(`createSlipstreamClient: address ${duplicate} is given twice`);
  const token = options.token?.trim() || undefined;
  if (token !== undefined && /[\s\r\n]/.test(token)) {
    throw new TypeError('createSlipstreamClient: `token` must not contain whitespace');
  }
  const serverName = options.tls?.serverName;
  if (serverName !== undefined && !isTlsServerName(serverName)) {
    throw new TypeError('createSlipstreamClient: `tls.serverName` must be a host name or IP address');
  }
  const defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(defaultTimeoutMs) || defaultTimeoutMs < 0) {
    throw new TypeError('createSlipstreamClient: `defaultTimeoutMs` must be a number >= 0');
  }
  return Object.freeze({
    address: addresses.join(','),
    addresses: Object.freeze(addresses),
    token,
    tls: options.tls === undefined ? undefined : Object.freeze({ ...options.tls }),
    defaultTimeoutMs,
    channelOptions: Object.freeze({ ...(options.channelOptions ?? {}) }),
  });
}
