/**
 * Every kind of call's handler gets a signal that aborts when its client
 * cancels, its deadline passes or its connection goes away, and a wait that
 * takes the signal stops waiting: on a real grpc-js server and client, over
 * a TCP proxy where the test cuts the connection.
 */
import {
  Server,
  ServerCredentials,
  credentials,
  makeGenericClientConstructor,
  status,
  type CallOptions,
  type Client,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ClientUnaryCall,
  type ClientWritableStream,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import { EventEmitter, once } from 'node:events';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TcpProxy } from '../../test/helpers/tcp-proxy.js';
import { waitFor } from '../../test/helpers/poll.js';
import { CALL_ENDED, bidiStreamHandler, callGone, callSignal, clientStreamHandler, serverStreamHandler, unaryHandler, type CallScope } from './call-handlers.js';

type Message = { n: number; pad?: string };
const json = { serialize: (m: Message) => Buffer.from(JSON.stringify(m)), deserialize: (b: Buffer) => JSON.parse(b.toString()) as Message };
const method = (name: string, requestStream: boolean, responseStream: boolean) => ({
  path: `/test.Calls/${name}`,
  requestStream,
  responseStream,
  requestSerialize: json.serialize,
  requestDeserialize: json.deserialize,
  responseSerialize: json.serialize,
  responseDeserialize: json.deserialize,
});
const SERVICE: ServiceDefinition = {
  wait: method('Wait', false, false),
  flood: method('Flood', false, true),
  collect: method('Collect', true, false),
  chat: method('Chat', true, true),
};

type Callback = (err: ServiceError | null) => void;

/** The generic client of SERVICE. */
interface CallsClient extends Client {
  wait(request: Message, callback: Callback): ClientUnaryCall;
  wait(request: Message, options: CallOptions, callback: Callback): ClientUnaryCall;
  flood(request: Message): ClientReadableStream<Message>;
  collect(callback: Callback): ClientWritableStream<Message>;
  chat(): ClientDuplexStream<Message, Message>;
}

/** What the handlers saw, by the `n` of the call's (first) request. */
const seen = new Map<number, { aborted: boolean; waitEnded: boolean; blocked?: boolean; reason?: unknown }>();

/** Waits until the call's signal aborts, as a handler's wait on a store or a parameter would. */
async function waitForAbort(n: number, { signal }: CallScope): Promise<void> {
  const record: { aborted: boolean; waitEnded: boolean; reason?: unknown } = { aborted: false, waitEnded: false };
  seen.set(n, record);
  signal.addEventListener('abort', () => {
    record.aborted = true;
    record.reason = signal.reason;
  });
  await once(new EventTarget(), 'never', { signal }).catch(() => undefined);
  record.waitEnded = true;
}

const log = pino({ level: 'silent' });
const PAD = 'x'.repeat(64 * 1024);

describe('callSignal', () => {
  const fakeCall = (cancelled: boolean) => Object.assign(new EventEmitter(), { cancelled });

  it('aborts with the one shared AbortError when the call is cancelled, and at once for a call cancelled already', () => {
    const call = fakeCall(false);
    const signal = callSignal(call);
    expect(signal.aborted).toBe(false);
    call.emit('cancelled');
    expect(signal.reason).toBe(CALL_ENDED);
    expect(callSignal(fakeCall(true)).reason).toBe(CALL_ENDED);
    expect(CALL_ENDED.name).toBe('AbortError');
    expect(Object.isFrozen(CALL_ENDED)).toBe(true);
  });

  it('callGone: the reason thrown as it is (throwIfAborted) or wrapped by a wait that took the signal, not other errors', async () => {
    const call = fakeCall(false);
    const signal = callSignal(call);
    const waiting = once(new EventTarget(), 'never', { signal }).catch((err: unknown) => err);
    call.emit('cancelled');
    const thrown = (() => {
      try {
        signal.throwIfAborted();
      } catch (err) {
        return err;
      }
    })();
    expect(callGone(thrown, signal)).toBe(true);
    expect(callGone(await waiting, signal)).toBe(true);
    expect(callGone(new Error('the store failed'), signal)).toBe(false);
    expect(callGone(CALL_ENDED, callSignal(fakeCall(false)))).toBe(false);
  });
});

describe('call handlers', () => {
  let server: Server;
  let proxy: TcpProxy;
  let client: CallsClient;
  /** The `n` of each test's calls: its own. */
  let next = 0;

  beforeAll(async () => {
    server = new Server();
    server.addService(SERVICE, {
      wait: unaryHandler(log, async (request: Message, scope) => {
        await waitForAbort(request.n, scope);
        return { n: request.n };
      }),
      // Writes to a client that does not read until a write waits for room, which only the signal ends.
      flood: serverStreamHandler(log, async (request: Message, scope) => {
        const record = { aborted: false, waitEnded: false, blocked: false };
        seen.set(request.n, record);
        scope.signal.addEventListener('abort', () => (record.aborted = true));
        while (!scope.signal.aborted) {
          let written = false;
          const write = scope.write({ n: request.n, pad: PAD }).then(() => (written = true));
          // A write with room resolves at once; one still pending a few turns later waits for the client.
          for (let turn = 0; turn < 3; turn++) await Promise.resolve();
          if (!written) record.blocked = true;
          await write;
        }
        record.waitEnded = true;
      }),
      collect: clientStreamHandler(log, async (call, scope) => {
        const [first] = (await once(call, 'data')) as [Message];
        await waitForAbort(first.n, scope);
        return first;
      }),
      chat: bidiStreamHandler(log, async (call, scope) => {
        const [first] = (await once(call, 'data')) as [Message];
        await waitForAbort(first.n, scope);
      }),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
    );
    proxy = await TcpProxy.start(`127.0.0.1:${port}`);
    const Calls = makeGenericClientConstructor(SERVICE, 'Calls');
    client = new Calls(proxy.address, credentials.createInsecure()) as unknown as CallsClient;
  });

  afterAll(async () => {
    client?.close();
    await proxy?.close();
    server?.forceShutdown();
  });

  /** Resolves with the status a call ended with. */
  const ended = (call: { on(event: 'error', listener: (err: ServiceError) => void): unknown }) =>
    new Promise<number>((resolve) => call.on('error', (err) => resolve(err.code)));

  /** Waits until the handler of call `n` has seen its signal abort and its wait end. */
  const handlerReleased = (n: number) =>
    waitFor(`the handler of call ${n} to stop waiting`, async () => (seen.get(n)?.waitEnded && seen.get(n)?.aborted) || undefined);

  const started = (n: number) => waitFor(`the handler of call ${n} to start`, async () => seen.get(n));

  it('a unary call the client cancels: the handler stops waiting', async () => {
    const n = ++next;
    let code: number | undefined;
    const call = client.wait({ n }, (err: ServiceError | null) => (code = err?.code));
    await started(n);
    expect(seen.get(n)!.aborted).toBe(false);
    call.cancel();
    await handlerReleased(n);
    await waitFor('the client to see the cancel', async () => code);
    expect(code).toBe(status.CANCELLED);
    expect(seen.get(n)!.reason).toBe(CALL_ENDED);
  });

  it('a unary call whose deadline passes: the handler stops waiting', async () => {
    const n = ++next;
    let code: number | undefined;
    client.wait({ n }, { deadline: Date.now() + 300 }, (err: ServiceError | null) => (code = err?.code));
    await handlerReleased(n);
    await waitFor('the client to see the deadline', async () => code);
    expect(code).toBe(status.DEADLINE_EXCEEDED);
  });

  it('a server stream the client cancels while a write waits for room: the write returns', async () => {
    const n = ++next;
    const call = client.flood({ n });
    const code = ended(call);
    await started(n);
    // The client reads nothing: the server's writes fill the window and wait.
    call.pause();
    await waitFor('a write of the handler to wait for room', async () => seen.get(n)!.blocked || undefined);
    expect(seen.get(n)!.waitEnded).toBe(false);
    call.cancel();
    await handlerReleased(n);
    expect(await code).toBe(status.CANCELLED);
  });

  it('a client stream the client cancels: the handler stops waiting', async () => {
    const n = ++next;
    const call = client.collect(() => undefined);
    call.write({ n });
    await started(n);
    call.cancel();
    await handlerReleased(n);
  });

  it('a bidirectional stream the client cancels: the handler stops waiting', async () => {
    const n = ++next;
    const call = client.chat();
    const code = ended(call);
    call.write({ n });
    await started(n);
    call.cancel();
    await handlerReleased(n);
    expect(await code).toBe(status.CANCELLED);
  });

  it('calls of every kind whose connection goes away: every handler stops waiting', async () => {
    const [unary, stream, bidi] = [++next, ++next, ++next];
    client.wait({ n: unary }, () => undefined);
    const flood = client.flood({ n: stream });
    flood.on('error', () => undefined);
    flood.pause();
    const chat = client.chat();
    chat.on('error', () => undefined);
    chat.write({ n: bidi });
    await Promise.all([started(unary), started(stream), started(bidi)]);
    expect(proxy.dropAll()).toBeGreaterThan(0);
    await Promise.all([handlerReleased(unary), handlerReleased(stream), handlerReleased(bidi)]);
  });
});
