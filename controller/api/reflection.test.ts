import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { HealthImplementation } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ServerReflectionClient,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from '../../proto/gen/grpc/reflection/v1/reflection.js';
import { contractRegistry, loadDescriptorSet } from './contract-descriptors.js';
import { addReflectionService } from './reflection.js';

const BUF = fileURLToPath(new URL('../../node_modules/.bin/buf', import.meta.url));
const SLIPSTREAM_SERVICES = ['slipstream.v1.ModuleService', 'slipstream.v1.RunService', 'slipstream.v1.AgentService'];

let server: grpc.Server;
let client: ServerReflectionClient;
let baseUrl: string;
let emptyDir: string;

beforeAll(async () => {
  // An empty working directory, so buf curl finds no buf.yaml and relies on reflection alone.
  emptyDir = await mkdtemp(join(tmpdir(), 'reflection-test-'));
  server = new grpc.Server();
  addReflectionService(server, contractRegistry(), ['grpc.health.v1.Health', ...SLIPSTREAM_SERVICES], pino({ level: 'silent' }));
  new HealthImplementation({ '': 'SERVING' }).addToServer(server);
  const port = await promisify(server.bindAsync.bind(server))('127.0.0.1:0', grpc.ServerCredentials.createInsecure());
  baseUrl = `http://127.0.0.1:${port}`;
  client = new ServerReflectionClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  server?.forceShutdown();
  if (emptyDir) await rm(emptyDir, { recursive: true, force: true });
});

async function bufCurl(...args: string[]): Promise<string> {
  const argv = ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', ...args];
  const { stdout } = await promisify(execFile)(BUF, argv, { cwd: emptyDir, timeout: 30_000 });
  return stdout;
}

/** Sends `requests` on one stream, half-closes, and collects every answer until the server ends. */
function reflect(requests: ServerReflectionRequest['messageRequest'][]): Promise<ServerReflectionResponse[]> {
  return new Promise((resolve, reject) => {
    const call = client.serverReflectionInfo();
    const responses: ServerReflectionResponse[] = [];
    call.on('data', (response: ServerReflectionResponse) => responses.push(response));
    call.on('end', () => resolve(responses));
    call.on('error', reject);
    for (const messageRequest of requests) call.write({ host: '', messageRequest });
    call.end();
  });
}

function fileNames(response: ServerReflectionResponse | undefined): string[] {
  const answer = response?.messageResponse;
  if (answer?.$case !== 'fileDescriptorResponse') throw new Error(`expected files, got ${JSON.stringify(answer)}`);
  return answer.value.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name);
}

describe('buf curl against the reflection service', () => {
  it('lists the health, reflection and given services', async () => {
    const services = (await bufCurl('--list-services', baseUrl)).split('\n');
    expect(services).toEqual(
      expect.arrayContaining(['grpc.health.v1.Health', 'grpc.reflection.v1.ServerReflection', ...SLIPSTREAM_SERVICES]),
    );
  });

  it('lists methods, resolving imports and map fields', async () => {
    const methods = (await bufCurl('--list-methods', baseUrl)).split('\n');
    expect(methods).toEqual(
      expect.arrayContaining([
        'grpc.health.v1.Health/Check',
        'grpc.health.v1.Health/Watch',
        'slipstream.v1.ModuleService/SaveModule',
        'slipstream.v1.RunService/LaunchRun',
        'slipstream.v1.AgentService/Session',
      ]),
    );
  });

  it('calls Health/Check with the schema from reflection', async () => {
    expect(await bufCurl('-d', '{}', `${baseUrl}/grpc.health.v1.Health/Check`)).toContain('"status": "SERVING"');
  });
});

describe('ServerReflectionInfo', () => {
  it('finds the file of services, methods, nested messages, enums, enum values and fields', async () => {
    const symbols: Record<string, string> = {
      'slipstream.v1.RunService': 'slipstream/v1/runs.proto',
      'slipstream.v1.ModuleService.SaveModule': 'slipstream/v1/modules.proto',
      'google.rpc.BadRequest.FieldViolation': 'google/rpc/error_details.proto',
      'slipstream.v1.ComponentSpec.ImagesEntry': 'slipstream/v1/modules.proto',
      'slipstream.v1.ModuleKind': 'slipstream/v1/modules.proto',
      'slipstream.v1.MODULE_KIND_PROJECT': 'slipstream/v1/modules.proto',
      'slipstream.v1.Module.latest_version': 'slipstream/v1/modules.proto',
      'google.protobuf.Timestamp': 'google/protobuf/timestamp.proto',
    };
    const responses = await reflect(
      Object.keys(symbols).map((value) => ({ $case: 'fileContainingSymbol' as const, value })),
    );
    expect(responses.map((response) => fileNames(response)[0])).toEqual(Object.values(symbols));
  });

  it('sends a file with its transitive imports, each import once per stream', async () => {
    const [agent, runs] = await reflect([
      { $case: 'fileByFilename', value: 'slipstream/v1/agent.proto' },
      { $case: 'fileByFilename', value: 'slipstream/v1/runs.proto' },
    ]);
    expect(fileNames(agent)[0]).toBe('slipstream/v1/agent.proto');
    expect(fileNames(agent).sort()).toEqual([
      'google/protobuf/timestamp.proto',
      'slipstream/v1/agent.proto',
      'slipstream/v1/modules.proto',
      'slipstream/v1/runs.proto',
    ]);
    expect(fileNames(runs)).toEqual(['slipstream/v1/runs.proto']);
  });

  it('answers NOT_FOUND for unknown names and extensions, and no extension numbers', async () => {
    const requests: ServerReflectionRequest['messageRequest'][] = [
      { $case: 'fileContainingSymbol', value: 'slipstream.v1.NoSuchThing' },
      { $case: 'fileByFilename', value: 'slipstream/v1/nothing.proto' },
      { $case: 'fileContainingExtension', value: { containingType: 'slipstream.v1.Module', extensionNumber: 1000 } },
      { $case: 'allExtensionNumbersOfType', value: 'slipstream.v1.NoSuchThing' },
      { $case: 'allExtensionNumbersOfType', value: 'slipstream.v1.Module' },
    ];
    const responses = await reflect(requests);
    expect(responses.map((r) => r.originalRequest?.messageRequest)).toEqual(requests);
    const errors = responses.slice(0, 4).map((r) => r.messageResponse);
    expect(errors).toEqual(
      Array(4).fill({ $case: 'errorResponse', value: expect.objectContaining({ errorCode: grpc.status.NOT_FOUND }) }),
    );
    expect(responses[4]?.messageResponse).toEqual({
      $case: 'allExtensionNumbersResponse',
      value: { baseTypeName: 'slipstream.v1.Module', extensionNumber: [] },
    });
  });

  it('ends a cancelled stream and keeps serving others', async () => {
    const call = client.serverReflectionInfo();
    const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    call.on('error', () => {}); // the CANCELLED error is expected; status carries it
    call.once('data', () => call.cancel());
    call.write({ host: '', messageRequest: { $case: 'listServices', value: '' } });
    expect((await status).code).toBe(grpc.status.CANCELLED);
    expect(await reflect([{ $case: 'listServices', value: '' }])).toHaveLength(1);
  });
});

describe('set-up errors', () => {
  it('rejects a service the descriptor set does not describe', () => {
    expect(() => addReflectionService(new grpc.Server(), contractRegistry(), ['slipstream.v1.Nope'], pino({ level: 'silent' }))).toThrow(
      /slipstream\.v1\.Nope is not in the descriptor set/,
    );
  });

  it('tells to run npm run gen when the descriptor set is missing', () => {
    expect(() => loadDescriptorSet(join(emptyDir, 'missing.binpb'))).toThrow(/npm run gen/);
  });
});
