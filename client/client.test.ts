import { Metadata, Server, ServerCredentials, status, type ServerErrorResponse } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequest } from '../proto/gen/google/rpc/error_details.js';
import { Status } from '../proto/gen/google/rpc/status.js';
import { Role, UserServiceService, type UserServiceServer } from '../proto/gen/slipstream/v1/users.js';
import { DeadlineExceededError, InvalidArgumentError, UnauthenticatedError } from './errors.js';
import { createSlipstreamClient } from './index.js';
import { STATUS_DETAILS_KEY } from './status-details.js';

// A real grpc-js server on 127.0.0.1:0 whose handlers answer from the call's metadata.
function authorization(metadata: Metadata): string | undefined {
  const value = metadata.get('authorization')[0];
  return typeof value === 'string' ? value : undefined;
}

function invalid(field: string): ServerErrorResponse {
  const badRequest = BadRequest.encode({ fieldViolations: [{ field, description: 'is required', reason: '' }] });
  const metadata = new Metadata();
  const detail = { typeUrl: 'type.googleapis.com/google.rpc.BadRequest', value: Buffer.from(badRequest.finish()) };
  const encoded = Status.encode({ code: status.INVALID_ARGUMENT, message: `${field}: is required`, details: [detail] });
  metadata.set(STATUS_DETAILS_KEY, Buffer.from(encoded.finish()));
  return Object.assign(new Error(`${field}: is required`), { code: status.INVALID_ARGUMENT, metadata });
}

const handlers: Partial<UserServiceServer> = {
  whoAmI: (call, callback) => {
    if (authorization(call.metadata) !== 'Bearer secret-1') {
      callback({ code: status.UNAUTHENTICATED, details: 'bad token' });
      return;
    }
    callback(null, { user: { name: 'ana', role: Role.ROLE_ADMIN, tenant: 't1' }, tokenName: 'ci', operatorTenant: false });
  },
  createUser: (call, callback) => {
    if (call.request.name === '') callback(invalid('name'));
    else callback(null, { user: { name: call.request.name, role: call.request.role, tenant: 't1' } });
  },
  getUser: () => {
    // Never answers: the client's deadline must end the call.
  },
};

let server: Server;
let address: string;

beforeAll(async () => {
  server = new Server();
  server.addService(UserServiceService, handlers as UserServiceServer);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  address = `127.0.0.1:${port}`;
});

afterAll(() => server.forceShutdown());

describe('createSlipstreamClient', () => {
  it('sends the bearer token on every call', async () => {
    const client = createSlipstreamClient({ address, token: 'secret-1' });
    try {
      const me = await client.users.whoAmI();
      expect(me.user?.name).toBe('ana');
      const created = await client.users.create({ name: 'bob', role: Role.ROLE_VIEWER });
      expect(created.user).toMatchObject({ name: 'bob', role: Role.ROLE_VIEWER });
    } finally {
      client.close();
    }
  });

  it('rejects with typed errors decoded from the status details', async () => {
    const client = createSlipstreamClient({ address, token: 'wrong' });
    try {
      await expect(client.users.whoAmI()).rejects.toBeInstanceOf(UnauthenticatedError);
      const error = await client.users.create({ role: Role.ROLE_VIEWER }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).violations).toEqual([{ field: 'name', description: 'is required' }]);
    } finally {
      client.close();
    }
  });

  it('applies the per-call deadline and honours an abort signal', async () => {
    const client = createSlipstreamClient({ address, token: 'secret-1' });
    try {
      await expect(client.users.get({ name: 'x' }, { timeoutMs: 50 })).rejects.toBeInstanceOf(DeadlineExceededError);
      const controller = new AbortController();
      const pending = client.users.get({ name: 'x' }, { signal: controller.signal });
      controller.abort();
      await expect(pending).rejects.toMatchObject({ code: status.CANCELLED });
    } finally {
      client.close();
    }
  });

  it('rejects options it cannot use', () => {
    expect(() => createSlipstreamClient({ address: ' ' })).toThrow(/address/);
    expect(() => createSlipstreamClient({ address, defaultTimeoutMs: -1 })).toThrow(/defaultTimeoutMs/);
  });
});
