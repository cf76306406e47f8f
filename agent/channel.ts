/**
 * The agent's gRPC channel to the controller: TLS with the config's CA
 * (plaintext only with `insecure`), keepalive pings so a dead connection is
 * noticed without waiting for TCP, and the bearer metadata for the credential.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { credentials, Metadata, status } from '@grpc/grpc-js';
import { tlsTargetSettings } from '../common/tls-server-name.js';
import { AgentServiceClient } from '../proto/gen/slipstream/v1/agent.js';
import type { AgentConfig } from './config.js';

/** The agent channel's options besides TLS (the bench's bare reconnect baseline dials with the same). */
export const AGENT_CHANNEL_OPTIONS = Object.freeze({
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.max_receive_message_length': 16 * 1024 * 1024,
  // Its own connection even when agents share a process (the `sim` driver runs thousands per process).
  'grpc.use_local_subchannel_pool': 1,
  // grpc-js's own reconnect backoff grows to 120 s by default, on top of the session's: after a
  // controller restart an agent would wait long after the controller is back. The agent finds the
  // controller back at most about a second late: with 5 s, a restart's 3-4 s of refused dials left
  // it waiting 1.6-2.7 s more. A refused dial a second per agent is nothing to the controller's host
  // (the kernel answers it); to an unreachable one a dial waits for its connect timeout anyway.
  'grpc.initial_reconnect_backoff_ms': 500,
  'grpc.max_reconnect_backoff_ms': 1_000,
  // Nothing reads channelz; it costs a tracker per channel and per call.
  'grpc.enable_channelz': 0,
});

/** Creates the AgentService client of one controller address (one channel, reused across reconnects); default `config.controller`. */
export function createAgentClient(config: AgentConfig, address = config.controller): AgentServiceClient {
  // Never the IP as the TLS server name: Node warns (DEP0123); the certificate is still checked against it.
  const tls = config.insecure ? undefined : tlsTargetSettings(address);
  const channelCredentials = tls
    ? credentials.createSsl(Buffer.from(config.caCertificate ?? '', 'utf8'), null, null, tls.verifyOptions)
    : credentials.createInsecure();
  return new AgentServiceClient(channelTarget(address), channelCredentials, { ...tls?.channelOptions, ...AGENT_CHANNEL_OPTIONS });
}

/**
 * The channel target for `HOST:PORT`: an IP address goes to grpc-js's
 * `ipv4:`/`ipv6:` resolver, as the DNS resolver sets up a c-ares resolver per
 * channel even for an address it never looks up. The authority is `HOST:PORT`
 * either way (the TLS name: see common/tls-server-name.ts).
 */
export function channelTarget(controller: string): string {
  const host = controller.slice(0, controller.lastIndexOf(':'));
  if (isIPv4(host)) return `ipv4:${controller}`;
  if (host.startsWith('[') && isIPv6(host.slice(1, -1))) return `ipv6:${controller}`;
  return controller;
}

/** `authorization: Bearer <credential>` metadata. */
export function bearer(credential: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${credential}`);
  return metadata;
}

/** The gRPC status code of an error from a call, or undefined. */
export function grpcCode(err: unknown): status | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? (code as status) : undefined;
}

/** The name of a status code (`UNAVAILABLE`), for logs and messages. */
export function statusName(code: status | undefined): string {
  return code === undefined ? 'UNKNOWN' : (status[code] ?? String(code));
}
