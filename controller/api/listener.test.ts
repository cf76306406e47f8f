import { spawn, type ChildProcess } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptQueueLimit, LISTEN_BACKLOG, listenOnHost, type Listeners } from './listener.js';

const LISTENER = fileURLToPath(new URL('./listener.ts', import.meta.url));
const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
const QUEUED = 1_500;

const opened: Listeners[] = [];
const sockets: Socket[] = [];
let child: ChildProcess | undefined;

afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(opened.splice(0).map((l) => l.close()));
});

const ignore = () => undefined;

function dial(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port }, () => resolve(socket));
    sockets.push(socket);
    socket.once('error', reject);
  });
}

describe('acceptQueueLimit', () => {
  it('is the asked queue capped at net.core.somaxconn, and unknown where that cannot be read', () => {
    expect(acceptQueueLimit(() => '4096\n')).toBe(4096);
    expect(acceptQueueLimit(() => '1000000')).toBe(LISTEN_BACKLOG);
    expect(acceptQueueLimit(() => 'many')).toBeUndefined();
    expect(
      acceptQueueLimit(() => {
        throw new Error('ENOENT');
      }),
    ).toBeUndefined();
    expect(acceptQueueLimit()).toBe(Math.min(LISTEN_BACKLOG, somaxconn));
  });
});

describe('listenOnHost', () => {
  it('serves every address of a name on one port, the first address choosing it', async () => {
    const addresses = [...new Set((await lookup('localhost', { all: true })).map((a) => a.address))];
    const accepted: string[] = [];
    const listeners = await listenOnHost('localhost', 0, (s) => accepted.push(s.localAddress ?? ''), ignore);
    opened.push(listeners);
    expect(listeners.port).toBeGreaterThan(0);
    for (const address of addresses) await dial(address, listeners.port);
    await expect.poll(() => accepted.length).toBe(addresses.length);
  });

  it('refuses a port in use', async () => {
    const first = await listenOnHost('127.0.0.1', 0, ignore, ignore);
    opened.push(first);
    await expect(listenOnHost('127.0.0.1', first.port, ignore, ignore)).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('closes once every accepted connection has closed', async () => {
    const accepted: Socket[] = [];
    const listeners = await listenOnHost('127.0.0.1', 0, (s) => accepted.push(s), ignore);
    await dial('127.0.0.1', listeners.port);
    await expect.poll(() => accepted.length).toBe(1);
    let closed = false;
    const closing = listeners.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(closed).toBe(false);
    accepted[0]!.destroy();
    await closing;
  });

  it('destroys the connections still open when told to, and then closes', async () => {
    const listeners = await listenOnHost('127.0.0.1', 0, ignore, ignore);
    const client = await dial('127.0.0.1', listeners.port);
    const clientClosed = new Promise((resolve) => client.once('close', resolve));
    const closing = listeners.close();
    listeners.destroyConnections();
    await closing;
    await clientClosed;
  });

  it("says when every connection has closed and its 'close' handlers ran, which comes after they are destroyed", async () => {
    const accepted: Socket[] = [];
    const listeners = await listenOnHost('127.0.0.1', 0, (s) => accepted.push(s), ignore);
    await Promise.all([dial('127.0.0.1', listeners.port), dial('127.0.0.1', listeners.port)]);
    await expect.poll(() => accepted.length).toBe(2);
    // What an HTTP/2 session does on its socket's 'close': its teardown, which the stop waits for.
    const handled: Socket[] = [];
    for (const socket of accepted) socket.once('close', () => handled.push(socket));
    let closed = false;
    const connectionsClosed = listeners.connectionsClosed().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(closed).toBe(false);
    await Promise.all([listeners.close(), listeners.destroyConnections()]);
    // Destroyed is not closed yet: a socket's 'close' is emitted once its handle has closed, on a later turn.
    expect(handled).toHaveLength(0);
    await connectionsClosed;
    expect(handled).toHaveLength(2);
    // With none open, at once.
    await listeners.connectionsClosed();
  });

  // Node's default accept queue (511) drops the SYNs beyond it: those connections would not complete while the listener is busy.
  it.skipIf(somaxconn <= QUEUED)(`queues ${QUEUED} connections while the process does not accept`, async () => {
    const script = `
      const { listenOnHost } = await import(${JSON.stringify(LISTENER)});
      const l = await listenOnHost('127.0.0.1', 0, () => {}, () => {});
      console.log(l.port);
      setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120_000), 50);`;
    child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = await createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next().then((r) => [r.value as string]);
    const port = Number(line);
    await new Promise((r) => setTimeout(r, 500));
    let connected = 0;
    const all = Promise.all(Array.from({ length: QUEUED }, () => dial('127.0.0.1', port).then(() => connected++)));
    const deadline = new Promise((r) => setTimeout(r, 20_000));
    await Promise.race([all, deadline]);
    expect(connected).toBe(QUEUED);
  });
});
