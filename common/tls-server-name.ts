/**
 * The TLS names of a gRPC channel to a controller address.
 *
 * grpc-js sends the target's host as the TLS server name (SNI) and checks the
 * certificate against it; for an IP address Node then warns (DEP0123: RFC 6066
 * forbids IP literals as SNI) and a later Node refuses. For an IP we send a
 * DNS name as SNI (`grpc.ssl_target_name_override`) and check the certificate
 * against the IP itself: grpc-js would check it against the override, so our
 * checkServerIdentity puts the IP back. The certificate must still name the IP
 * that was dialled (an IP SAN), exactly as before; the SNI name is never
 * trusted for anything. A configured server name (a DNS name) is both sent and
 * checked, which is grpc-js's own behaviour for the override.
 */
import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';

/**
 * The SNI sent when the certificate is checked against an IP: a name every
 * certificate the controller makes carries, so that a server choosing its
 * certificate by SNI finds one; it plays no part in verification.
 */
export const SNI_FOR_IP_TARGETS = 'localhost';

/** grpc-js's channel option for the TLS server name: sent as SNI, and checked unless checkServerIdentity says otherwise. */
export const SSL_TARGET_NAME_OVERRIDE = 'grpc.ssl_target_name_override';

/**
 * What a TLS channel to one address needs: the verify options of grpc-js's
 * `credentials.createSsl`, and channel options to add (shaped like grpc-js's
 * types, which common/ does not import).
 */
export interface TlsTargetSettings {
  readonly verifyOptions: { checkServerIdentity?: (host: string, cert: PeerCertificate) => Error | undefined };
  readonly channelOptions: { readonly [SSL_TARGET_NAME_OVERRIDE]?: string };
}

/**
 * The settings for a TLS channel to `address` (`host:port`, `[v6]:port`, or a
 * grpc-js `ipv4:`/`ipv6:`/`dns:` target). `serverName`: the name (or IP) the
 * certificate must carry instead of the address's host, when one was configured.
 */
export function tlsTargetSettings(address: string, serverName?: string): TlsTargetSettings {
  const expected = unbracket(serverName?.trim() || targetHost(address));
  if (isIP(expected) !== 0) {
    return {
      verifyOptions: { checkServerIdentity: (_sentName: string, cert: PeerCertificate) => checkServerIdentity(expected, cert) },
      channelOptions: { [SSL_TARGET_NAME_OVERRIDE]: SNI_FOR_IP_TARGETS },
    };
  }
  return { verifyOptions: {}, channelOptions: serverName?.trim() ? { [SSL_TARGET_NAME_OVERRIDE]: expected } : {} };
}

/** The host of a gRPC target, as grpc-js derives the TLS name from it (the first address of an `ipv4:a,b` list). */
export function targetHost(target: string): string {
  let rest = target.trim();
  const scheme = /^(ipv4|ipv6|dns):/i.exec(rest);
  if (scheme) {
    rest = rest.slice(scheme[0].length);
    // dns://resolver-authority/host:port
    if (rest.startsWith('//')) rest = rest.slice(rest.indexOf('/', 2) + 1);
    if (scheme[1]!.toLowerCase() !== 'dns') rest = rest.split(',')[0]!;
  }
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    return end < 0 ? rest : rest.slice(1, end);
  }
  if (isIP(rest) === 6) return rest; // bare IPv6, no port
  const colon = rest.lastIndexOf(':');
  return colon < 0 ? rest : rest.slice(0, colon);
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
