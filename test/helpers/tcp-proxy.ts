/**
 * A TCP proxy on 127.0.0.1 for network-failure tests: forwards every
 * connection to a target (settable after start, since the target is often
 * started with the proxy's address), and on demand resets every open
 * connection or refuses new ones.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

/** A forwarding proxy; see the file comment. */
export class TcpProxy {
  /** Where connections go, `host:port`; connections that arrive while it is unset are refused. */
  target: string | undefined;
  /** Connections forwarded so far. */
  forwarded = 0;
  /** Connections refused so far (while refusing, or with no target). */
  refused = 0;
  private refusing = false;
  private readonly open = new Set<{ client: Socket; upstream: Socket }>();

  private constructor(
    private readonly server: Server,
    /** `127.0.0.1:PORT` the proxy listens on. */
    readonly address: string,
  ) {}

  /** Listens on 127.0.0.1 with a free port. */
  static async start(target?: string): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (!address || typeof address !== 'object') throw new Error('tcp proxy: no address');
    const proxy = new TcpProxy(server, `127.0.0.1:${address.port}`);
    proxy.target = target;
    server.on('connection', (socket) => proxy.accept(socket));
    return proxy;
  }

  /** Connections open right now. */
  get openConnections(): number {
    return this.open.size;
  }

  /** While on, new connections are reset as soon as they arrive (the target looks down). */
  refuse(on: boolean): void {
    this.refusing = on;
  }

  /** Resets (RST) every open connection, both sides; returns how many there were. */
  dropAll(): number {
    const pairs = [...this.open];
    for (const pair of pairs) this.reset(pair);
    return pairs.length;
  }

  /** Drops everything and stops listening. */
  async close(): Promise<void> {
    this.refusing = true;
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.refusing || !this.target) {
      this.refused += 1;
      client.on('error', () => {});
      client.resetAndDestroy();
      return;
    }
    this.forwarded += 1;
    const match = /^(.*):(\d+)$/.exec(this.target)!;
    const upstream = connect({ host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(match[2]) });
    const pair = { client, upstream };
    this.open.add(pair);
    const end = () => this.reset(pair);
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      socket.on('error', end);
      socket.on('close', end);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  private reset(pair: { client: Socket; upstream: Socket }): void {
    if (!this.open.delete(pair)) return;
    for (const socket of [pair.client, pair.upstream]) {
      if (!socket.destroyed) {
        // A connecting socket cannot be reset, only destroyed.
        if (socket.connecting) socket.destroy();
        else socket.resetAndDestroy();
      }
    }
  }
}
