/**
 * Serves a sim pool to controllers in other processes (RemoteSimPool), so
 * that the pool, and with it every sim VM's agent, outlives controller
 * replicas that stop, die and restart, as VMs outlive them. Plain JSON over
 * HTTP on 127.0.0.1, for tests and benchmarks only: no authentication.
 *
 *   POST   /vms          body: SimVmStart        -> 204
 *   DELETE /vms/<vmId>                          -> 204
 *   GET    /vms/<vmId>                          -> 200 SimVm | 404
 *   GET    /vms                                 -> 200 SimVm[]
 *
 * A request the server cannot read answers 400 with { error } naming the
 * field; a failure of the pool answers 500 with { error }.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SimVmStart } from './sim-protocol.js';
import type { SimVmHost } from './sim-vm-host.js';

/** Bodies above this are refused: a sim VM's start is a few KiB (its agent config). */
const MAX_BODY_BYTES = 1 << 20;

class BadRequest extends Error {}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BadRequest(`body: larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new BadRequest('body: not JSON');
  }
}

/** The body of POST /vms, checked field by field (the agent config is the agent's to check). */
function simVmStart(body: unknown): SimVmStart {
  if (typeof body !== 'object' || body === null) throw new BadRequest('body: must be an object');
  const b = body as Record<string, unknown>;
  for (const field of ['key', 'vmId', 'workDir'] as const) {
    if (typeof b[field] !== 'string' || b[field] === '') throw new BadRequest(`${field}: must be a non-empty string`);
  }
  for (const field of ['tags', 'config'] as const) {
    if (typeof b[field] !== 'object' || b[field] === null) throw new BadRequest(`${field}: must be an object`);
  }
  return b as unknown as SimVmStart;
}

function send(response: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    response.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

export class SimPoolServer {
  private constructor(
    private readonly server: Server,
    /** `http://127.0.0.1:<port>`: what a controller is given as SLIPSTREAM_SIM_POOL_URL. */
    readonly url: string,
  ) {}

  /** Serves `pool` on 127.0.0.1 (`port` 0 or unset: any free port). */
  static async start(pool: SimVmHost, options: { port?: number } = {}): Promise<SimPoolServer> {
    const server = createServer((request, response) => {
      SimPoolServer.handle(pool, request, response).catch((err: unknown) => {
        if (response.headersSent) return;
        if (err instanceof BadRequest) send(response, 400, { error: err.message });
        else send(response, 500, { error: err instanceof Error ? err.message : String(err) });
      });
    });
    // Provisioning keeps a few hundred requests in flight at once; the default backlog would refuse some on a busy machine.
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: options.port ?? 0, backlog: 1024 }, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return new SimPoolServer(server, `http://127.0.0.1:${port}`);
  }

  private static async handle(pool: SimVmHost, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://pool');
    const [collection, encodedId, ...rest] = url.pathname.split('/').filter(Boolean);
    if (collection !== 'vms' || rest.length > 0) return send(response, 404, { error: `no such path: ${url.pathname}` });
    const vmId = encodedId === undefined ? undefined : decodeURIComponent(encodedId);
    switch (`${request.method} ${vmId === undefined ? 'collection' : 'item'}`) {
      case 'POST collection':
        await pool.startVm(simVmStart(await readJson(request)));
        return send(response, 204);
      case 'GET collection':
        return send(response, 200, await pool.list());
      case 'GET item': {
        const vm = await pool.vm(vmId!);
        return vm ? send(response, 200, vm) : send(response, 404, { error: `no running sim VM ${vmId}` });
      }
      case 'DELETE item':
        await pool.stopVm(vmId!);
        return send(response, 204);
      default:
        return send(response, 405, { error: `${request.method} is not served on ${url.pathname}` });
    }
  }

  /** Stops serving (the pool itself is the caller's to close). */
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
