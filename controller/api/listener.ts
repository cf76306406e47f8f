import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';

/**
 * The accept queue asked of the kernel, which caps it at net.core.somaxconn.
 * grpc-js listens with Node's default of 511: when thousands of agents dial at
 * once (a fleet booting, every agent after a controller restart), the queue
 * overflows, the kernel drops their SYNs and each retransmits after 1, 3, 7,
 * 15 s... A deep queue lets them wait for accept() instead; the operator's
 * somaxconn decides how deep.
 */
export const LISTEN_BACKLOG = 65_535;

type Reader = () => string;
const readProcSomaxconn: Reader = () => readFileSync('/proc/sys/net/core/somaxconn', 'utf8');

/** net.core.somaxconn, the kernel's cap on every accept queue; undefined where it cannot be read (not Linux). */
export function somaxconn(read: Reader = readProcSomaxconn): number | undefined {
  try {
    const cap = Number(read().trim());
    return Number.isInteger(cap) && cap > 0 ? cap : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The accept queue the kernel grants: LISTEN_BACKLOG capped at
 * net.core.somaxconn; undefined where that cannot be read. The controller
 * logs it at start, since a fleet larger than it that dials at once loses
 * SYNs to retransmission timeouts.
 */
export function acceptQueueLimit(read: Reader = readProcSomaxconn): number | undefined {
  const cap = somaxconn(read);
  return cap === undefined ? undefined : Math.min(LISTEN_BACKLOG, cap);
}

/** TCP listeners on one port of every address of a host; each accepted socket goes to onConnection. */
export interface Listeners {
  readonly port: number;
  /** Stops accepting; resolves once every accepted connection is destroyed (destroying them is the caller's). */
  close(): Promise<void>;
  /**
   * Resolves once every accepted connection has closed and its 'close'
   * handlers have run: a destroyed socket closes later, and with it (in those
   * handlers) the HTTP/2 session and streams on it.
   */
  connectionsClosed(): Promise<void>;
  /** Destroys the accepted connections still open (say, a TLS handshake that never finished, which grpc-js never saw). */
  destroyConnections(): void;
}

/** Listeners that accept before anything serves: what they accept waits, unread, until `serve` says who takes it. */
export interface HeldListeners extends Listeners {
  /** Hands `onConnection` every connection held so far and each one accepted from now on. */
  serve(onConnection: (socket: Socket) => void): void;
}

/**
 * Listens on every address `host` resolves to (a name like `localhost` may be
 * both 127.0.0.1 and ::1, as grpc-js's own bind serves), all on one port: the
 * first address's when `port` is 0.
 */
export async function listenOnHost(
  host: string,
  port: number,
  onConnection: (socket: Socket) => void,
  onAcceptError: (err: Error) => void,
): Promise<Listeners> {
  const listeners = await holdOnHost(host, port, onAcceptError);
  listeners.serve(onConnection);
  return listeners;
}

/**
 * Listens as listenOnHost does, but holds each connection accepted, unread,
 * until `serve`: a controller that restarts opens its port first, so that
 * agents dialling while it opens its database wait in a connection, not in a
 * reconnect backoff after a refusal (grpc-js clients wait 20 s for a
 * handshake). Sockets are paused from the accept: nothing is read before the
 * HTTP/2 or TLS server that takes one reads it itself.
 */
export async function holdOnHost(host: string, port: number, onAcceptError: (err: Error) => void): Promise<HeldListeners> {
  const addresses = isWildcard(host) ? [host] : [...new Set((await lookup(host, { all: true })).map((a) => a.address))];
  const servers: Server[] = [];
  const open = new Set<Socket>();
  const waitingForClose: (() => void)[] = [];
  let held: Socket[] | undefined = [];
  let serving: ((socket: Socket) => void) | undefined;
  const handOver = (socket: Socket) => {
    socket.resume();
    serving?.(socket);
  };
  const accept = (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      if (open.size === 0) for (const resolve of waitingForClose.splice(0)) resolve();
    });
    if (held) held.push(socket);
    else handOver(socket);
  };
  const closeAll = () => Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(() => undefined);
  let bound = port;
  try {
    for (const address of addresses) {
      const server = createServer({ noDelay: true, pauseOnConnect: true }, accept);
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: address, port: bound, backlog: LISTEN_BACKLOG }, () => {
          server.off('error', reject);
          // After listen, an error is a failed accept (EMFILE...): the listener keeps serving.
          server.on('error', onAcceptError);
          resolve();
        });
      });
      const actual = server.address();
      if (typeof actual === 'object' && actual) bound = actual.port;
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  return {
    port: bound,
    serve: (onConnection) => {
      serving = onConnection;
      const waiting = held ?? [];
      held = undefined;
      for (const socket of waiting) if (!socket.destroyed) handOver(socket);
    },
    close: closeAll,
    connectionsClosed: async () => {
      if (open.size > 0) await new Promise<void>((resolve) => waitingForClose.push(resolve));
      // The last socket's 'close' handlers leave deferred work of their own (its streams' teardown) to the next turn.
      await new Promise((resolve) => setImmediate(resolve));
    },
    destroyConnections: () => {
      for (const socket of open) socket.destroy();
    },
  };
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}
