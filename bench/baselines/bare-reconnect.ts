/**
 * Bare reconnect baseline: `clients` bidi streams, each on its own channel
 * with the agent's channel options and reconnect policy
 * (bare-reconnect-client.ts), in `processes` child processes, held open to a
 * bare grpc-js server that listens as the controller does (our own listener
 * with its accept queue, controller/api/listener.ts) on a fixed port. The
 * server is stopped as the controller's stop stops it (every stream ended,
 * then shut down) and a new one is started on the same port; the figure is
 * the time from the stop's beginning until every stream's hello was answered
 * by the new server. What it costs is the transport's and the reconnect
 * policy's, with no protocol, no credentials and no database behind it.
 */
import type { ChildProcess } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import { listenOnHost, type Listeners } from '../../controller/api/listener.js';
import type { BareReconnectChildMessage, BareReconnectParentMessage } from './bare-reconnect-client.js';
import { FANOUT_SERVICE, nsToMs, requireInteger, shareOf, spawnSibling, stopChild, withDeadline } from './common.js';
import { reportsOf } from '../lib/child-reports.js';

export interface BareReconnectOptions {
  clients: number;
  processes: number;
}

export interface BareReconnectResult {
  /** From the stop's beginning to the last stream answered by the new server, float milliseconds. */
  ms: number;
  /** The stop and the new server's start, float milliseconds. */
  downMs: number;
  clients: number;
}

/** Streams a child opens at once before waiting for their answers: the initial connect stays inside the accept queue. */
const CONNECT_BATCH = 200;

/** The controller's API server options that touch connections (controller/api/server.ts). */
const SERVER_OPTIONS: grpc.ServerOptions = {
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.enable_channelz': 0,
  'grpc.http2.min_ping_interval_without_data_ms': 10_000,
};

/** One bare server: answers each stream's first message with its generation, and ends them all when stopped. */
class BareServer {
  private constructor(
    private readonly server: grpc.Server,
    private readonly listeners: Listeners,
    private readonly streams: ReadonlySet<grpc.ServerDuplexStream<Buffer, Buffer>>,
  ) {}

  static async start(generation: number, port: number): Promise<BareServer> {
    const server = new grpc.Server(SERVER_OPTIONS);
    const streams = new Set<grpc.ServerDuplexStream<Buffer, Buffer>>();
    const answer = Buffer.from(String(generation));
    server.addService(FANOUT_SERVICE, {
      subscribe: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
        streams.add(call);
        // Streams are cancelled by the shutdown; that must not surface as an unhandled 'error' event.
        call.on('error', () => undefined);
        call.once('data', () => call.write(answer));
        call.once('close', () => streams.delete(call));
      },
    });
    const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    const listeners = await listenOnHost(
      '127.0.0.1',
      port,
      (socket) => injector.injectConnection(socket),
      () => undefined,
    );
    return new BareServer(server, listeners, streams);
  }

  get port(): number {
    return this.listeners.port;
  }

  /**
   * As the controller's stop with no unary call in flight: the sessions are
   * ended, the listeners stop accepting, grpc-js closes its connections, and
   * what it never saw is destroyed.
   */
  async stop(): Promise<void> {
    for (const call of this.streams) call.end();
    const listenersClosed = this.listeners.close();
    this.server.forceShutdown();
    this.listeners.destroyConnections();
    await listenersClosed;
  }
}

export async function measureBareReconnect(options: BareReconnectOptions): Promise<BareReconnectResult> {
  const { clients, processes } = options;
  requireInteger('clients', clients, 1);
  requireInteger('processes', processes, 1);
  if (processes > clients) throw new RangeError(`processes (${processes}) must not exceed clients (${clients})`);

  let server = await BareServer.start(1, 0);
  const port = server.port;
  const children: ChildProcess[] = [];
  try {
    const reports: ReturnType<typeof reportsOf<BareReconnectChildMessage>>[] = [];
    for (let i = 0; i < processes; i++) {
      const child = spawnSibling('./bare-reconnect-client.ts', [String(port), String(shareOf(clients, processes, i)), String(CONNECT_BATCH)], 'inherit');
      children.push(child);
      reports.push(reportsOf<BareReconnectChildMessage>(child, `bare-reconnect-client ${i}`));
    }
    // Generous: a connect storm of this size is slow on a 2-core machine, but must still end.
    const deadlineMs = 60_000 + clients * 10;
    await withDeadline(Promise.all(reports.map((next) => next('ready'))), deadlineMs, 'opening the streams');

    const expect: BareReconnectParentMessage = { type: 'expect', generation: 2 };
    for (const child of children) child.send(expect);
    const began = process.hrtime.bigint();
    await server.stop();
    server = await BareServer.start(2, port);
    const downMs = nsToMs(began, process.hrtime.bigint());
    const backs = await withDeadline(Promise.all(reports.map((next) => next('back').then((m) => BigInt(m.maxNs)))), deadlineMs, 'the reconnect');
    const last = backs.reduce((max, ns) => (ns > max ? ns : max));
    return { ms: nsToMs(began, last), downMs, clients };
  } finally {
    await Promise.all(children.map((child) => stopChild(child)));
    await server.stop();
  }
}
