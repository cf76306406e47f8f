/**
 * The CLI's TLS server name: the name (or IP) the controller's certificate
 * must carry when the address dialled is not one of its names (an IP, a load
 * balancer). It comes from `--tls-server-name`, `SLIPSTREAM_TLS_SERVER_NAME`
 * or the context, like the CA, and is the client library's `tls.serverName`.
 */
import { InvalidArgumentError } from 'commander';
import { isTlsServerName } from '../../options.js';
import { UsageError } from '../errors.js';
import type { ResolvedConnection, SettingSource } from './connection.js';

/** The global flag. */
export const TLS_SERVER_NAME_FLAG = '--tls-server-name';
/** Its environment variable. */
export const TLS_SERVER_NAME_ENV = 'SLIPSTREAM_TLS_SERVER_NAME';

const RULE = 'must be a host name or IP address (the name the controller certificate carries)';

/** commander's parser of `--tls-server-name`: a bad value is a usage error naming the flag. */
export function parseTlsServerName(value: string): string {
  if (!isTlsServerName(value)) throw new InvalidArgumentError(RULE);
  return value;
}

/** A usage error for a bad name, naming where it came from (`--tls-server-name 'a b': must be ...`). */
export function checkTlsServerName(name: string, where: string = TLS_SERVER_NAME_FLAG): string {
  if (!isTlsServerName(name)) throw new UsageError(`${where} '${name}': ${RULE}`);
  return name;
}

/** Where a resolved server name was set, as a user would look for it. */
export function tlsServerNameOrigin(source: SettingSource | undefined, context?: string): string {
  if (source === 'env') return TLS_SERVER_NAME_ENV;
  if (source === 'context') return `the tlsServerName of context '${context ?? ''}'`;
  return TLS_SERVER_NAME_FLAG;
}

/**
 * The server name a connection uses, checked; undefined when none is set. A
 * name over plaintext (no CA, so no TLS) would silently do nothing, so it is
 * a usage error instead.
 */
export function connectionTlsServerName(connection: ResolvedConnection): string | undefined {
  if (connection.tlsServerName === undefined) return undefined;
  const origin = tlsServerNameOrigin(connection.tlsServerNameSource, connection.context);
  checkTlsServerName(connection.tlsServerName, origin);
  if (!connection.ca) {
    throw new UsageError(
      `${origin} is meaningless without TLS: this connection is plaintext (TLS needs --ca FILE, SLIPSTREAM_CA or the context's ca)`,
    );
  }
  return connection.tlsServerName;
}
