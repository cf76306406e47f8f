/**
 * Enrollment against a real grpc-js server: an agent stopped while its
 * Enroll is in flight ends enrollment at once, without a retry or a warning.
 */
import { credentials, Server, ServerCredentials, type ServerUnaryCall } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentServiceClient, AgentServiceService, type EnrollRequest } from '../proto/gen/slipstream/v1/agent.js';
import { EnrollCancelledError, enroll } from './enroll.js';
import { createAgentLogger } from './log.js';

describe('enroll', () => {
  let server: Server;
  let client: AgentServiceClient;
  const received: ServerUnaryCall<EnrollRequest, unknown>[] = [];

  beforeAll(async () => {
    server = new Server();
    // An Enroll that is never answered, as under a controller too busy to reply.
    server.addService(AgentServiceService, {
      enroll: (call: ServerUnaryCall<EnrollRequest, unknown>) => received.push(call),
      session: () => undefined,
      uploadReport: () => undefined,
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
    );
    client = new AgentServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });

  afterAll(() => {
    client?.close();
    server?.forceShutdown();
  });

  it('stops at once, without a retry or a warning, when the agent stops during the call', async () => {
    const lines: string[] = [];
    const log = createAgentLogger({ sink: (line) => lines.push(line), level: 'debug' });
    const stop = new AbortController();
    const enrolled = enroll({ address: 'test', client, failed: () => undefined }, { bootstrapToken: `ssb_${'a'.repeat(43)}`, agentVersion: 'test', hostname: 'vm', ip: '127.0.0.1', instanceId: 'i-1' }, {
      backoff: { baseMs: 10, capMs: 10 },
      log,
      signal: stop.signal,
    });
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(1);
    stop.abort();
    await expect(enrolled).rejects.toBeInstanceOf(EnrollCancelledError);
    expect(lines.filter((line) => line.includes('retrying'))).toEqual([]);
    expect(received).toHaveLength(1);
  });
});
