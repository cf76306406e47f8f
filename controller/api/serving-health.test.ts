/**
 * The API server's health switch on a real server: SERVING from the start by
 * default; with startNotServing, NOT_SERVING for '' and every service until
 * setServing(true), and again after setServing(false); once stopped (the
 * shutdown), a late setServing(true) cannot undo it.
 */
import { credentials, Metadata, Server, ServerCredentials } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { HealthCheckResponse_ServingStatus as Status, HealthClient } from '../../proto/gen/grpc/health/v1/health.js';
import { startTestApiServer, type TestApiServer } from '../../test/helpers/api-server.js';
import { SERVED } from './server.js';
import { ServingHealth } from './serving-health.js';

const EVERY_NAME = ['', ...SERVED];

let api: TestApiServer | undefined;
let client: HealthClient | undefined;

afterEach(async () => {
  client?.close();
  await api?.close();
  api = undefined;
  client = undefined;
});

async function start(options: { startNotServing?: boolean }): Promise<{ api: TestApiServer; client: HealthClient }> {
  api = await startTestApiServer('sqlite', options);
  client = new HealthClient(api.server.address, credentials.createInsecure());
  return { api, client };
}

function check(health: HealthClient, service: string): Promise<Status> {
  return new Promise((resolve, reject) => {
    health.check({ service }, new Metadata(), { deadline: Date.now() + 5_000 }, (err, response) => (err ? reject(err) : resolve(response.status)));
  });
}

const statuses = (health: HealthClient) => Promise.all(EVERY_NAME.map((name) => check(health, name)));

describe('API server health', () => {
  it("says SERVING for '' and every service from the start by default", async () => {
    const { client } = await start({});
    expect(await statuses(client)).toEqual(EVERY_NAME.map(() => Status.SERVING));
  });

  it('with startNotServing, says NOT_SERVING until ready, SERVING then, NOT_SERVING once stopping', async () => {
    const { api, client } = await start({ startNotServing: true });
    expect(await statuses(client)).toEqual(EVERY_NAME.map(() => Status.NOT_SERVING));
    api.server.setServing(true);
    expect(await statuses(client)).toEqual(EVERY_NAME.map(() => Status.SERVING));
    api.server.setServing(false);
    expect(await statuses(client)).toEqual(EVERY_NAME.map(() => Status.NOT_SERVING));
  });

  it('stays NOT_SERVING once stopped (the shutdown), whatever a late setServing(true) says', async () => {
    const health = new ServingHealth(SERVED, true);
    const server = new Server();
    health.addToServer(server);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
    );
    client = new HealthClient(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      health.stop();
      health.setServing(true);
      expect(await statuses(client)).toEqual(EVERY_NAME.map(() => Status.NOT_SERVING));
    } finally {
      server.forceShutdown();
    }
  });
});
