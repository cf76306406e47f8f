/**
 * The gateway's one channel to the controller's own gRPC API on this host.
 *
 * Under TLS it pins the controller's CA and checks the certificate against
 * the listen host, or `localhost` when the API listens on every interface: the
 * certificate the controller makes names both; certificates an operator gives
 * (--tls-cert) must name one of them too (the README says so).
 */
import { Client, credentials, type ChannelOptions } from '@grpc/grpc-js';
import { isUnspecifiedHost, localDialAddress } from '../../advertised-address.js';
import { tlsTargetSettings } from '../../../common/tls-server-name.js';

/** Where the API listens and how it is secured. */
export interface LoopbackTarget {
  /** The API's bound address, `host:port` (port 0 resolved). */
  address: string;
  /** PEM of the CA that signed the API's certificate; undefined with --insecure. */
  caCertPem: string | undefined;
}

/** A grpc-js client that makes untyped calls (the gateway serializes with the contract's descriptors). */
export function openLoopbackChannel(target: LoopbackTarget): Client {
  const address = localDialAddress(target.address);
  const options: ChannelOptions = {
    // Channelz keeps counters and traces per call that nothing here reads (as on the server).
    'grpc.enable_channelz': 0,
  };
  if (target.caCertPem === undefined) return new Client(address, credentials.createInsecure(), options);
  const listenHost = target.address.slice(0, target.address.lastIndexOf(':'));
  const serverName = isUnspecifiedHost(listenHost) ? 'localhost' : listenHost.replace(/^\[(.*)\]$/, '$1');
  const tls = tlsTargetSettings(address, serverName);
  return new Client(address, credentials.createSsl(Buffer.from(target.caCertPem), null, null, tls.verifyOptions), { ...options, ...tls.channelOptions });
}
