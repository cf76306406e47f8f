/**
 * A stop with a stream still open: no unary call is in flight, so the stop
 * does not wait out the grace period for it (a stream never ends by
 * itself); it cancels it, completes, and error stacks (turned off while
 * thousands of connections are cancelled) are whole again afterwards.
 */
import { Client, credentials, status, type ServiceError } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { startTestController } from '../helpers/controller.js';

describe('controller stop', () => {
  it('cancels a stream still open without waiting out the grace period and leaves error stacks as they were', async () => {
    const controller = await startTestController({ database: 'sqlite' });
    const client = new Client(controller.address, credentials.createInsecure());
    try {
      // Health/Watch streams until the client goes: the graceful part of the stop cannot finish it.
      const call = client.makeServerStreamRequest('/grpc.health.v1.Health/Watch', () => Buffer.alloc(0), (b: Buffer) => b, {});
      const ended = new Promise<ServiceError>((resolve) => call.on('error', resolve));
      await new Promise((resolve) => call.once('data', resolve));
      const stackTraceLimit = Error.stackTraceLimit;

      await controller.stop();

      expect(controller.logs.some((l) => l.msg === 'no call in flight; closing the remaining connections')).toBe(true);
      expect(controller.logs.some((l) => l.msg === 'grace period over; cancelling remaining calls')).toBe(false);
      expect([status.CANCELLED, status.UNAVAILABLE, status.INTERNAL]).toContain((await ended).code);
      expect(Error.stackTraceLimit).toBe(stackTraceLimit);
      expect(new Error('after the stop').stack?.split('\n').length).toBeGreaterThan(1);
    } finally {
      client.close();
    }
  });
});
