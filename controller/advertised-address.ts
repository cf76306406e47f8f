/**
 * The one address VMs are given for this controller: the host they dial the
 * gRPC agent channel on and download the agent bundle from. It comes from
 * `--public-address HOST` (the name or IP the VMs reach the controller by,
 * e.g. behind NAT or a container's port mapping), else from the host of
 * `--agent-address`, else from the listen addresses. A wildcard listen host
 * (0.0.0.0, ::) is no address a VM can dial: such a controller serves only
 * VMs on its own host (which are told the loopback).
 */
import { isIP } from 'node:net';
import { AGENT_BUNDLE_PATH } from './agent-bundle-server.js';

/** What the advertised addresses are derived from (a subset of the compiled options). */
export interface AdvertisedAddressOptions {
  readonly publicAddress: string | undefined;
  readonly agentAddress: string | undefined;
  readonly listen: { readonly host: string; readonly port: number };
  readonly httpListen: { readonly host: string; readonly port: number };
  /** Plaintext bundle download (http) instead of https. */
  readonly insecure: boolean;
}

/** The addresses VMs are given, once the servers' ports are known. */
export interface AdvertisedAddresses {
  /**
   * Why a VM on another machine could not reach this controller at what it
   * is told (a wildcard host), naming the flag it comes from; undefined when
   * it could.
   */
  readonly unreachable: string | undefined;
  /** `host:port` VMs dial: `--agent-address` as given, else the advertised host and the bound gRPC port. */
  agentAddress(grpcPort: number): string;
  /** The URL VMs download the agent bundle from, on the bundle server's bound port. */
  bundleUrl(httpPort: number): string;
}

/** What VMs on the controller's own host are told when the controller advertises no routable host. */
const LOOPBACK = '127.0.0.1';

/** True for a host that names no machine, only "every interface" (0.0.0.0, ::, and their other spellings), or nothing. */
export function isUnspecifiedHost(host: string): boolean {
  const bare = unbracket(host);
  if (bare === '') return true;
  try {
    const hostname = new URL(`http://${isIP(bare) === 6 ? `[${bare}]` : bare}/`).hostname;
    return hostname === '0.0.0.0' || hostname === '[::]';
  } catch {
    return false;
  }
}

/** What a process on this host dials to reach a controller listening on `listen` (host:port): a wildcard is reached on the loopback. */
export function localDialAddress(listen: string): string {
  const colon = listen.lastIndexOf(':');
  return isUnspecifiedHost(listen.slice(0, colon)) ? `${LOOPBACK}:${listen.slice(colon + 1)}` : listen;
}

const DNS_LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const DNS_NAME = new RegExp(`^(?=.{1,253}\\.?$)${DNS_LABEL}(?:\\.${DNS_LABEL})*\\.?$`, 'i');

/**
 * Why `value` cannot be the public address (a host name, an IPv4 address, or
 * an IPv6 address, bracketed or not; no port, no scheme), or undefined.
 */
export function publicAddressProblem(value: string): string | undefined {
  const bare = unbracket(value);
  const family = isIP(bare);
  if (value.startsWith('[') && family !== 6) return 'brackets are for an IPv6 address';
  if (family === 0 && !DNS_NAME.test(bare)) {
    return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) || /:\d+$/.test(value)
      ? 'give the host alone (a name or IP address), without a scheme or port: the ports are the listen ports'
      : 'must be a host name or an IP address';
  }
  if (bare.includes('%')) return 'an IPv6 zone id is no address a VM can dial';
  if (isUnspecifiedHost(bare)) return `${value} means "every interface", which no VM can dial; give the name or address VMs reach this controller by`;
  return undefined;
}

/** The public address in the form the options keep: the bare host (an IPv6 address without brackets). */
export function normalizePublicAddress(value: string): string {
  return unbracket(value);
}

/** The host of `HOST:PORT` (`[v6]:PORT` unbracketed). */
export function hostOf(hostPort: string): string {
  return unbracket(hostPort.replace(/:\d+$/, ''));
}

/** Derives the addresses VMs are given from the options; see the file's comment for the precedence. */
export function advertisedAddresses(options: AdvertisedAddressOptions): AdvertisedAddresses {
  const agentHost = options.agentAddress === undefined ? undefined : hostOf(options.agentAddress);
  const dial = options.publicAddress ?? agentHost ?? options.listen.host;
  // A bundle server on every interface serves on the gRPC listen host too.
  const download = options.publicAddress ?? agentHost ?? (isUnspecifiedHost(options.httpListen.host) ? options.listen.host : options.httpListen.host);
  const source =
    options.agentAddress !== undefined
      ? `--agent-address ${options.agentAddress}`
      : isUnspecifiedHost(options.listen.host)
        ? `--listen ${withPort(options.listen.host, options.listen.port)}`
        : `--http-listen ${withPort(options.httpListen.host, options.httpListen.port)}`;
  const unroutable = isUnspecifiedHost(dial) || isUnspecifiedHost(download);
  const scheme = options.insecure ? 'http' : 'https';
  return {
    unreachable: unroutable ? `VMs would be told to reach this controller at ${isUnspecifiedHost(dial) ? dial || '""' : download} (${source}), which names no machine` : undefined,
    agentAddress: (grpcPort) => options.agentAddress ?? withPort(isUnspecifiedHost(dial) ? LOOPBACK : dial, grpcPort),
    bundleUrl: (httpPort) => `${scheme}://${withPort(isUnspecifiedHost(download) ? LOOPBACK : download, httpPort)}${AGENT_BUNDLE_PATH}`,
  };
}

/** `host:port`, an IPv6 host bracketed. */
function withPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** The port of a server's own URL (`http://host:port`), the scheme's default when it names none. */
export function portOfUrl(url: string): number {
  const parsed = new URL(url);
  return parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
}
