/**
 * Calls any method of a controller with raw request bytes and reads the
 * status it ends with: a grpc-js client whose serializers pass bytes through
 * (makeGenericClientConstructor), for tests that send what no generated
 * client would (malformed protobuf, over-limit fields, NUL characters).
 */
import {
  credentials,
  makeGenericClientConstructor,
  Metadata,
  status,
  type Client,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ClientUnaryCall,
  type ServiceError,
} from '@grpc/grpc-js';
import { statusFromMetadata, unpackStatusDetails, type StatusDetails } from '../../client/status-details.js';

/** How a call ended. */
export interface RawOutcome {
  code: status;
  message: string;
  details: StatusDetails;
  /** Response messages received before the status. */
  responses: Buffer[];
}

/** What a method looks like to the raw client. */
export interface RawMethod {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
}

const bytes = (b: Buffer) => b;

function clientFor(address: string, method: RawMethod): Client & { call: (...args: unknown[]) => unknown } {
  const Raw = makeGenericClientConstructor(
    { call: { ...method, requestSerialize: bytes, requestDeserialize: bytes, responseSerialize: bytes, responseDeserialize: bytes } },
    'Raw',
  );
  return new Raw(address, credentials.createInsecure(), { 'grpc.max_send_message_length': -1 }) as never;
}

/** `authorization: Bearer <secret>`, or no metadata at all. */
export function bearer(secret?: string): Metadata {
  const metadata = new Metadata();
  if (secret !== undefined) metadata.set('authorization', `Bearer ${secret}`);
  return metadata;
}

function outcomeOf(code: status, message: string, metadata: Metadata | undefined, responses: Buffer[]): RawOutcome {
  return { code, message, details: unpackStatusDetails(statusFromMetadata(metadata)?.details ?? []), responses };
}

/** An open call of any kind: write request messages, end the requests, and await how it ends. */
export interface RawCall {
  write(message: Uint8Array): void;
  end(): void;
  cancel(): void;
  /** Resolves on the first response message (or the status, when none comes first). */
  firstResponse(): Promise<Buffer | RawOutcome>;
  ended: Promise<RawOutcome>;
}

/** Starts a call of `method` (any kind) with `metadata`. */
export function rawCall(address: string, method: RawMethod, metadata: Metadata = new Metadata(), deadlineMs = 20_000): RawCall {
  const client = clientFor(address, method);
  const call = client.call.bind(client) as (...args: unknown[]) => unknown;
  const options = { deadline: new Date(Date.now() + deadlineMs) };
  const responses: Buffer[] = [];
  const waiting: ((value: Buffer | RawOutcome) => void)[] = [];
  let finish!: (outcome: RawOutcome) => void;
  const ended = new Promise<RawOutcome>((resolve) => (finish = resolve)).then((outcome) => {
    client.close();
    for (const wake of waiting.splice(0)) wake(outcome);
    return outcome;
  });
  const onResponse = (response: Buffer) => {
    responses.push(response);
    for (const wake of waiting.splice(0)) wake(response);
  };
  const callback = (err: ServiceError | null, response?: Buffer) => {
    if (err) return finish(outcomeOf(err.code, err.details, err.metadata, responses));
    if (response) onResponse(response);
    finish({ code: status.OK, message: '', details: {}, responses });
  };
  const listen = (stream: ClientReadableStream<Buffer>) => {
    stream.on('data', onResponse);
    stream.on('error', (err: ServiceError) => finish(outcomeOf(err.code, err.details, err.metadata, responses)));
    stream.on('status', (s: { code: status; details: string; metadata: Metadata }) => {
      if (s.code === status.OK) finish(outcomeOf(s.code, s.details, s.metadata, responses));
    });
  };
  const firstResponse = () => (responses[0] ? Promise.resolve(responses[0]) : new Promise<Buffer | RawOutcome>((resolve) => waiting.push(resolve)));

  if (!method.requestStream) {
    // Unary and server streams take their one request when they start: at write.
    let started: { cancel(): void } | undefined;
    return {
      write: (request) => {
        if (method.responseStream) {
          const stream = call(Buffer.from(request), metadata, options) as ClientReadableStream<Buffer>;
          listen(stream);
          started = stream;
        } else started = call(Buffer.from(request), metadata, options, callback) as ClientUnaryCall;
      },
      end: () => undefined,
      cancel: () => started?.cancel(),
      firstResponse,
      ended,
    };
  }
  const stream = (method.responseStream ? call(metadata, options) : call(metadata, options, callback)) as ClientDuplexStream<Buffer, Buffer>;
  if (method.responseStream) listen(stream);
  return {
    write: (request) => void stream.write(Buffer.from(request)),
    end: () => void stream.end(),
    cancel: () => stream.cancel(),
    firstResponse,
    ended,
  };
}

/** Sends one request message on a call of any kind, ends the requests, and resolves with how the call ended (a server stream: when it ends). */
export function rawRequest(address: string, method: RawMethod, request: Uint8Array, metadata?: Metadata): Promise<RawOutcome> {
  const call = rawCall(address, method, metadata);
  call.write(request);
  call.end();
  return call.ended;
}
