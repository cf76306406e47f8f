import { createServer } from 'node:net';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Run, RunServiceService, type RunServiceServer } from '../proto/gen/slipstream/v1/runs.js';
import { UnavailableError } from './errors.js';
import { createSlipstreamClient, type SlipstreamClient } from './index.js';
import { compileClientOptions } from './options.js';

// One live replica (a real grpc-js server on 127.0.0.1:0 counting its calls) and addresses where nothing listens.
const served: string[] = [];
const handlers: Partial<RunServiceServer> = {
  getRun: (call, callback) => {
    served.push('getRun');
    callback(null, { run: Run.fromPartial({ id: call.request.id }) });
  },
  setRunParameter: (call, callback) => {
    served.push('setRunParameter');
    callback(null, { parameter: { key: call.request.key, value: call.request.value, set: true, secret: false, description: '', updatedAt: undefined } });
  },
  launchRun: (call, callback) => {
    served.push(`launchRun ${call.request.requestId}`);
    callback(null, { run: Run.fromPartial({ id: 'r-1' }) });
  },
};

let server: Server;
let live: string;
let dead: string;
let alsoDead: string;

/** A port nothing listens on: taken, then given back. */
async function freePort(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

beforeAll(async () => {
  server = new Server();
  server.addService(RunServiceService, handlers as RunServiceServer);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  live = `127.0.0.1:${port}`;
  dead = await freePort();
  alsoDead = await freePort();
});

afterAll(() => server.forceShutdown());

async function withClient(addresses: string, body: (client: SlipstreamClient) => Promise<void>): Promise<void> {
  served.length = 0;
  const client = createSlipstreamClient({ address: addresses, token: 't', defaultTimeoutMs: 10_000 });
  try {
    await body(client);
  } finally {
    client.close();
  }
}

describe('a client of several replicas', () => {
  it('repeats a read on the next replica when the first cannot be reached, and stays there', async () => {
    await withClient(`${dead},${live}`, async (client) => {
      expect((await client.runs.get('r-1')).id).toBe('r-1');
      expect((await client.runs.get('r-2')).id).toBe('r-2');
      expect(served).toEqual(['getRun', 'getRun']);
    });
  });

  it('does not repeat a call that may have changed something, but sends the next call to the next replica', async () => {
    await withClient(`${dead},${live}`, async (client) => {
      await expect(client.runs.setParameter('r-1', 'web.1:port', '80')).rejects.toBeInstanceOf(UnavailableError);
      expect(served).toEqual([]);
      expect((await client.runs.setParameter('r-1', 'web.1:port', '80')).value).toBe('80');
    });
  });

  it('repeats a launch only when it carries a request id', async () => {
    await withClient(`${dead},${live}`, async (client) => {
      await expect(client.runs.launch({ module: 'app/web' })).rejects.toBeInstanceOf(UnavailableError);
    });
    await withClient(`${dead},${live}`, async (client) => {
      await client.runs.launch({ module: 'app/web', requestId: 'req-7' });
      expect(served).toEqual(['launchRun req-7']);
    });
  });

  it('fails UNAVAILABLE after a few rounds when no replica answers, well within the deadline', async () => {
    await withClient(`${dead},${alsoDead}`, async (client) => {
      const started = performance.now();
      await expect(client.runs.get('r-1')).rejects.toBeInstanceOf(UnavailableError);
      expect(performance.now() - started).toBeLessThan(5_000);
    });
  });

  it('keeps to one address as before: a refused call fails at once', async () => {
    await withClient(dead, async (client) => {
      await expect(client.runs.get('r-1')).rejects.toBeInstanceOf(UnavailableError);
    });
  });
});

describe('compileClientOptions', () => {
  it('takes replicas as a comma-separated address, a list, or both', () => {
    expect(compileClientOptions({ address: ' a:1, b:2 ' })).toMatchObject({ address: 'a:1,b:2', addresses: ['a:1', 'b:2'] });
    expect(compileClientOptions({ addresses: ['a:1', 'b:2'] }).addresses).toEqual(['a:1', 'b:2']);
    expect(compileClientOptions({ address: 'a:1', addresses: ['b:2'] }).addresses).toEqual(['a:1', 'b:2']);
  });

  it('refuses no address and an address given twice, naming it', () => {
    expect(() => compileClientOptions({ address: ' , ' })).toThrow('`address` is required');
    expect(() => compileClientOptions({})).toThrow('`address` is required');
    expect(() => compileClientOptions({ address: 'a:1,a:1' })).toThrow('address a:1 is given twice');
  });
});
