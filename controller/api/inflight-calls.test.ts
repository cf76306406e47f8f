/**
 * InflightCalls on a real grpc-js server: a unary call counts until it is
 * answered or cancelled, a call that streams answers does not count.
 */
import { Client, credentials, Server, ServerCredentials, type ServiceDefinition, type ServiceError } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { InflightCalls } from './inflight-calls.js';

const bytes = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };
const method = (path: string, responseStream: boolean) => ({
  path,
  requestStream: false,
  responseStream,
  requestSerialize: bytes.serialize,
  requestDeserialize: bytes.deserialize,
  responseSerialize: bytes.serialize,
  responseDeserialize: bytes.deserialize,
});
const definition = { slow: method('/test.Slow/Unary', false), watch: method('/test.Slow/Watch', true) } as ServiceDefinition;

describe('InflightCalls', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  async function serve(): Promise<{ inflight: InflightCalls; client: Client; answer: () => void }> {
    const inflight = new InflightCalls();
    const server = new Server({ interceptors: [inflight.interceptor] });
    const pending: (() => void)[] = [];
    server.addService(definition, {
      slow: (_call: unknown, callback: (err: null, b: Buffer) => void) => pending.push(() => callback(null, Buffer.from('done'))),
      watch: (call: { write(b: Buffer): void }) => call.write(Buffer.from('tick')),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    cleanups.push(() => {
      client.close();
      server.forceShutdown();
    });
    return { inflight, client, answer: () => pending.shift()?.() };
  }

  const until = async (condition: () => boolean) => {
    const deadline = Date.now() + 5_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('condition not met in 5 s');
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  it('counts a unary call until it is answered', async () => {
    const { inflight, client, answer } = await serve();
    await expect(inflight.drained()).resolves.toBeUndefined();
    const reply = new Promise((resolve, reject) =>
      client.makeUnaryRequest('/test.Slow/Unary', bytes.serialize, bytes.deserialize, Buffer.alloc(0), (err, b) => (err ? reject(err) : resolve(b?.toString()))),
    );
    await until(() => inflight.size === 1);
    let drained = false;
    void inflight.drained().then(() => (drained = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(drained).toBe(false);
    answer();
    expect(await reply).toBe('done');
    await until(() => drained);
    expect(inflight.size).toBe(0);
  });

  it('stops counting a unary call its client cancelled', async () => {
    const { inflight, client } = await serve();
    const call = client.makeUnaryRequest('/test.Slow/Unary', bytes.serialize, bytes.deserialize, Buffer.alloc(0), () => undefined);
    await until(() => inflight.size === 1);
    call.cancel();
    await until(() => inflight.size === 0);
    await expect(inflight.drained()).resolves.toBeUndefined();
  });

  it('does not count a call that streams its answers', async () => {
    const { inflight, client } = await serve();
    const call = client.makeServerStreamRequest('/test.Slow/Watch', bytes.serialize, bytes.deserialize, Buffer.alloc(0));
    call.on('error', (_err: ServiceError) => undefined);
    await new Promise((resolve) => call.once('data', resolve));
    expect(inflight.size).toBe(0);
    call.cancel();
  });
});
