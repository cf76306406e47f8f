import * as grpc from '@grpc/grpc-js';
import { toBinary, type DescFile, type FileRegistry } from '@bufbuild/protobuf';
import { nestedTypes } from '@bufbuild/protobuf/reflect';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import {
  ServerReflectionService,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
  type ServerReflectionServer,
} from '../../proto/gen/grpc/reflection/v1/reflection.js';
import type { Logger } from 'pino';
import { bidiStreamHandler } from './call-handlers.js';

const REFLECTION_SERVICE = 'grpc.reflection.v1.ServerReflection';

type Answer = ServerReflectionResponse['messageResponse'];

/** The contract indexed once: files, their encodings, and every symbol a client may ask for. */
interface Schema {
  registry: FileRegistry;
  encoded: Map<string, Buffer>;
  symbols: Map<string, DescFile>;
  services: { name: string }[];
}

/**
 * Serves gRPC server reflection (`grpc.reflection.v1.ServerReflection`) on `server`, answering
 * from `registry` (every file of the contract, imports included: contractRegistry()).
 * Clients such as `buf curl` and grpcurl then need no .proto files.
 *
 * @param serviceNames - fully qualified services the server implements, returned by
 *   `list_services` together with the reflection service itself.
 * @param log - where an unexpected error of a call goes (its handler is wrapped as every call's is, call-handlers.ts).
 * @throws Error at registration when the registry does not describe one of `serviceNames`.
 */
export function addReflectionService(
  server: grpc.Server,
  registry: FileRegistry,
  serviceNames: readonly string[],
  log: Logger,
): void {
  const schema = indexSchema(registry, serviceNames);
  const implementation: ServerReflectionServer = {
    serverReflectionInfo: bidiStreamHandler(log, async (call: grpc.ServerDuplexStream<ServerReflectionRequest, ServerReflectionResponse>, { signal }) => {
      // grpc reflection servers send each dependency once per stream; the client keeps it.
      const sent = new Set<string>();
      call.on('data', (request: ServerReflectionRequest) => {
        if (signal.aborted) return;
        const messageResponse = answer(schema, request, sent);
        // Stop reading while the client does not take our answers, so they cannot pile up here.
        if (!call.write({ validHost: request.host, originalRequest: request, messageResponse })) {
          call.pause();
          call.once('drain', () => call.resume());
        }
      });
      call.on('end', () => call.end());
    }),
  };
  server.addService(ServerReflectionService, implementation);
}

function indexSchema(registry: FileRegistry, serviceNames: readonly string[]): Schema {
  const encoded = new Map<string, Buffer>();
  const symbols = new Map<string, DescFile>();
  for (const file of registry.files) {
    encoded.set(file.proto.name, Buffer.from(toBinary(FileDescriptorProtoSchema, file.proto)));
    for (const desc of nestedTypes(file)) {
      symbols.set(desc.typeName, file);
      // proto.nestedType adds the map entry messages, which DescMessage leaves out.
      const members =
        desc.kind === 'message'
          ? [...desc.fields, ...desc.oneofs, ...desc.proto.nestedType]
          : desc.kind === 'service'
            ? desc.methods
            : [];
      for (const member of members) symbols.set(`${desc.typeName}.${member.name}`, file);
      if (desc.kind === 'enum') {
        // Enum values are scoped beside their enum, not inside it (C++ scoping rules).
        const scope = desc.typeName.slice(0, -desc.name.length);
        for (const value of desc.values) symbols.set(scope + value.name, file);
      }
    }
  }
  const names = [...new Set([...serviceNames, REFLECTION_SERVICE])];
  for (const name of names) {
    if (!registry.getService(name)) {
      throw new Error(`service ${name} is not in the descriptor set: run \`npm run gen\``);
    }
  }
  return { registry, encoded, symbols, services: names.map((name) => ({ name })) };
}

function answer(schema: Schema, request: ServerReflectionRequest, sent: Set<string>): Answer {
  const { registry } = schema;
  const message = request.messageRequest;
  switch (message?.$case) {
    case 'listServices':
      return { $case: 'listServicesResponse', value: { service: schema.services } };
    case 'fileByFilename':
      return fileAnswer(schema, registry.getFile(message.value), sent) ?? notFound(`file ${message.value}`);
    case 'fileContainingSymbol':
      return fileAnswer(schema, schema.symbols.get(message.value), sent) ?? notFound(`symbol ${message.value}`);
    case 'fileContainingExtension': {
      const { containingType, extensionNumber } = message.value;
      const extendee = registry.getMessage(containingType);
      const extension = extendee && registry.getExtensionFor(extendee, extensionNumber);
      return (
        fileAnswer(schema, extension?.file, sent) ?? notFound(`extension ${extensionNumber} of ${containingType}`)
      );
    }
    case 'allExtensionNumbersOfType': {
      if (!registry.getMessage(message.value)) return notFound(`message type ${message.value}`);
      const numbers = [...registry].flatMap((desc) =>
        desc.kind === 'extension' && desc.extendee.typeName === message.value ? [desc.number] : [],
      );
      const value = { baseTypeName: message.value, extensionNumber: numbers };
      return { $case: 'allExtensionNumbersResponse', value };
    }
    case undefined:
      return error(grpc.status.INVALID_ARGUMENT, 'message_request is not set');
  }
}

/** The file itself, then every transitive import this stream has not received yet. */
function fileAnswer(schema: Schema, file: DescFile | undefined, sent: Set<string>): Answer | undefined {
  if (!file) return undefined;
  const files = [file];
  sent.add(file.proto.name);
  for (const current of files) {
    for (const dependency of current.dependencies) {
      if (sent.has(dependency.proto.name)) continue;
      sent.add(dependency.proto.name);
      files.push(dependency);
    }
  }
  const fileDescriptorProto = files.map((f) => schema.encoded.get(f.proto.name) as Buffer);
  return { $case: 'fileDescriptorResponse', value: { fileDescriptorProto } };
}

function notFound(what: string): Answer {
  return error(grpc.status.NOT_FOUND, `${what} not found`);
}

function error(errorCode: grpc.status, errorMessage: string): Answer {
  return { $case: 'errorResponse', value: { errorCode, errorMessage } };
}
