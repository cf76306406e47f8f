/**
 * The agent's Unix socket for the recipe commands, `<workDir>/agent.sock`
 * (or in a private temp folder when that is too long: socket-place.ts),
 * created with mode 0600 (only the VM's user). One JSON request line in, one
 * JSON response line out; closing the connection cancels the request (a killed
 * `ss-get` stops waiting).
 */
import { chmodSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { AgentLogger } from './log.js';
import { type LocalRequest, LocalRequestError, type LocalResponse, MAX_REQUEST_BYTES, parseLocalRequest } from './local-protocol.js';

/** Answers one request; `signal` aborts when the caller hung up. */
export type LocalRequestHandler = (request: LocalRequest, signal: AbortSignal) => Promise<LocalResponse>;

/** The listening socket. */
export class LocalSocketServer {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly path: string,
  ) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Listens on `path` (a stale socket file from a killed agent is replaced). */
  static async listen(path: string, handler: LocalRequestHandler, log: AgentLogger): Promise<LocalSocketServer> {
    try {
      unlinkSync(path);
    } catch {
      // Not there: fine.
    }
    const server = createServer((socket) => serve(socket, handler, log));
    const instance = new LocalSocketServer(server, path);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // The socket file is created by bind() inside listen(): a tight umask makes it 0600 from birth.
      let previous: number | undefined;
      try {
        previous = process.umask(0o177);
      } catch {
        // Worker threads cannot change the umask; the chmod below still applies.
      }
      try {
        server.listen(path, () => {
          server.off('error', reject);
          resolve();
        });
      } finally {
        if (previous !== undefined) process.umask(previous);
      }
    });
    chmodSync(path, 0o600);
    server.on('error', (err) => log.error({ err }, 'local socket error'));
    return instance;
  }

  /** Stops listening, hangs up on open requests and removes the socket file. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    try {
      unlinkSync(this.path);
    } catch {
      // Already gone.
    }
  }
}

function serve(socket: Socket, handler: LocalRequestHandler, log: AgentLogger): void {
  const hangUp = new AbortController();
  let received = Buffer.alloc(0);
  let handled = false;
  socket.on('close', () => hangUp.abort());
  socket.on('error', () => hangUp.abort());
  const reply = (response: LocalResponse): void => {
    if (!socket.destroyed) socket.end(JSON.stringify(response) + '\n');
  };
  socket.on('data', (chunk: Buffer) => {
    if (handled) return;
    received = Buffer.concat([received, chunk]);
    const nl = received.indexOf(10);
    if (nl === -1) {
      if (received.length > MAX_REQUEST_BYTES) {
        handled = true;
        reply({ ok: false, error: 'bad-request', message: `request longer than ${MAX_REQUEST_BYTES} bytes` });
      }
      return;
    }
    handled = true;
    let request: LocalRequest;
    try {
      request = parseLocalRequest(JSON.parse(received.subarray(0, nl).toString('utf8')));
    } catch (err) {
      const message = err instanceof LocalRequestError ? err.message : 'request is not valid JSON';
      return reply({ ok: false, error: 'bad-request', message });
    }
    handler(request, hangUp.signal).then(reply, (err: unknown) => {
      log.error({ err: err as Error, op: request.op }, 'local request failed');
      reply({ ok: false, error: 'internal', message: (err as Error).message });
    });
  });
}
