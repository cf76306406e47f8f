/**
 * A stop with a stream still open: no unary call is in flight, so the stop
 * does not wait out the grace period for it (a stream never ends by
 * itself); it cancels it, completes, and error stacks (turned off while
 * thousands of connections are cancelled) are whole again afterwards.
 * A unary call that outlives the grace period is cancelled when it ends.
 */
import { Client, credentials, status, type ServiceError } from '@grpc/grpc-js';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createSlipstreamClient } from '../../client/index.js';
import { startTestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { waitFor } from '../helpers/poll.js';

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

  it.runIf(TEST_DATABASES.includes('postgres'))('cancels a unary call still running when the grace period is over', async () => {
    const controller = await startTestController({ database: 'postgres' });
    const client = createSlipstreamClient({ address: controller.address, token: controller.adminToken });
    const locker = new pg.Client({ connectionString: controller.databaseUrl });
    await locker.connect();
    let stopped: Promise<void> | undefined;
    try {
      // GetModule waits on the modules table, which this transaction holds, for as long as the test wants.
      await locker.query('begin');
      await locker.query('lock table modules in access exclusive mode');
      const call = client.modules.get('held/module').then(
        () => undefined,
        (err: ServiceError) => err,
      );
      await waitFor('GetModule waiting on the lock', async () => {
        const { rows } = await locker.query<{ n: number }>(`select count(*)::int as n from pg_locks where relation = 'modules'::regclass and not granted`);
        return rows[0]!.n > 0 ? true : undefined;
      }, 10_000);

      const startedAt = Date.now();
      stopped = controller.stopControllerOnly();
      const error = await call;
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1_900);
      expect([status.CANCELLED, status.UNAVAILABLE]).toContain(error?.code);
      // The grace is the whole stop's: the API's calls get what the steps before it (quick here) left of the 2 s.
      const over = controller.logs.find((l) => l.msg === 'grace period over; cancelling remaining calls');
      expect(over).toMatchObject({ calls: 1 });
      expect(over?.graceMs).toBeGreaterThan(0);
      expect(over?.graceMs).toBeLessThanOrEqual(2_000);
      expect(controller.logs.some((l) => l.msg === 'no call in flight; closing the remaining connections')).toBe(false);
    } finally {
      await locker.query('rollback').catch(() => undefined);
      await locker.end();
      await stopped;
      client.close();
      await controller.stop();
    }
  });
});
