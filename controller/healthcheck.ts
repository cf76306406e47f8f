#!/usr/bin/env node
/**
 * Container health probe: asks the controller's standard gRPC health service and exits 0 only when it answers
 * SERVING. Usage: healthcheck.js [host:port]
 *
 * Over TLS, as the controller serves by default, trusting the controller's CA: SLIPSTREAM_HEALTH_CA, else
 * `<data dir>/tls/ca.pem` (the CA a controller generates there). The certificate is checked against
 * SLIPSTREAM_HEALTH_SERVER_NAME (default `localhost`, a name the generated certificate always has; set it to a name
 * of yours with --tls-cert). Plaintext only when the controller runs with --insecure (SLIPSTREAM_INSECURE).
 */
import { credentials, Metadata, type ChannelCredentials } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HealthCheckResponse_ServingStatus, HealthClient } from '../proto/gen/grpc/health/v1/health.js';
import { localDialAddress } from './advertised-address.js';

const env = process.env;
const address = process.argv[2] ?? env.SLIPSTREAM_HEALTH_ADDR ?? localDialAddress(env.SLIPSTREAM_LISTEN ?? '127.0.0.1:50051');
const insecure = ['1', 'true'].includes((env.SLIPSTREAM_INSECURE ?? '').toLowerCase());
const serverName = env.SLIPSTREAM_HEALTH_SERVER_NAME ?? 'localhost';

function unhealthy(reason: string): never {
  process.stderr.write(`unhealthy: ${reason}\n`);
  process.exit(1);
}

function channelCredentials(): ChannelCredentials {
  if (insecure) return credentials.createInsecure();
  const caPath = env.SLIPSTREAM_HEALTH_CA ?? join(env.SLIPSTREAM_DATA_DIR ?? './data', 'tls', 'ca.pem');
  let ca: Buffer;
  try {
    ca = readFileSync(caPath);
  } catch (err) {
    unhealthy(`cannot read the controller's CA ${caPath} (set SLIPSTREAM_HEALTH_CA): ${(err as Error).message}`);
  }
  return credentials.createSsl(ca);
}

const client = new HealthClient(address, channelCredentials(), insecure ? {} : { 'grpc.ssl_target_name_override': serverName });
client.check({ service: '' }, new Metadata(), { deadline: Date.now() + 3_000 }, (err, response) => {
  client.close();
  if (err) unhealthy(`${address}: ${err.message}`);
  const serving = response.status === HealthCheckResponse_ServingStatus.SERVING;
  if (!serving) unhealthy(`${address}: status ${HealthCheckResponse_ServingStatus[response.status] ?? response.status}`);
  process.exit(0);
});
