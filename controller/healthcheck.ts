/**
 * Container health probe: asks the controller's standard gRPC health service
 * and exits 0 only when it answers SERVING. Usage: healthcheck.ts [host:port]
 */
import { credentials, Metadata } from '@grpc/grpc-js';
import { HealthCheckResponse_ServingStatus, HealthClient } from '../proto/gen/grpc/health/v1/health.js';

const address = process.argv[2] ?? process.env.SLIPSTREAM_HEALTH_ADDR ?? '127.0.0.1:50051';
const client = new HealthClient(address, credentials.createInsecure());
client.check({ service: '' }, new Metadata(), { deadline: Date.now() + 3_000 }, (err, response) => {
  client.close();
  if (err) {
    process.stderr.write(`unhealthy: ${err.message}\n`);
    process.exit(1);
  }
  const serving = response.status === HealthCheckResponse_ServingStatus.SERVING;
  if (!serving) process.stderr.write(`unhealthy: status ${response.status}\n`);
  process.exit(serving ? 0 : 1);
});
