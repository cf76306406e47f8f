import { createServer, type Server } from 'node:http';
import { Code, ConnectError } from '@connectrpc/connect';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { BrowserApi } from '../../../test/helpers/browser-api.js';
import { ConnectGateway } from './connect-gateway.js';

describe('ConnectGateway before the API serves and once it closes', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function serve(gateway: ConnectGateway): Promise<BrowserApi> {
    server = createServer((req, res) => gateway.handle(req, res));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    return new BrowserApi(`http://127.0.0.1:${address.port}`, undefined);
  }

  async function refusal(call: Promise<unknown>): Promise<ConnectError> {
    const err = await call.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    return err as ConnectError;
  }

  it('answers UNAVAILABLE, unary and streaming, until open and after close', async () => {
    const gateway = new ConnectGateway(pino({ level: 'silent' }));
    const api = await serve(gateway);
    const starting = await refusal(api.call('UserService/WhoAmI', {}, { token: 'x' }));
    expect(starting.code).toBe(Code.Unavailable);
    expect(starting.rawMessage).toMatch(/starting/);
    gateway.close();
    // Closed for good: a late open (a start that failed half-way) does not reopen it.
    gateway.open({ address: '127.0.0.1:1', caCertPem: undefined });
    const stream = refusal((async () => {
      for await (const _ of api.stream('RunService/WatchRun', { id: 'r' }, { token: 'x' })) break;
    })());
    expect((await stream).code).toBe(Code.Unavailable);
    expect((await stream).rawMessage).toMatch(/shutting down/);
  });

  it('serves no AgentService: agents keep gRPC', async () => {
    const api = await serve(new ConnectGateway(pino({ level: 'silent' })));
    const res = await fetch(`${api.baseUrl}/slipstream.v1.AgentService/Session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(404);
  });
});
