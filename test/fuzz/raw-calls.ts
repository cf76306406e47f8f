/**
 * Calls any method of the contract with raw request bytes, whatever its
 * streaming kind, and reports how the call ended: the way a fuzzer (or a
 * hostile client) talks to the controller, below every generated client.
 */
import { credentials, Metadata, status, type Client, type ServiceError } from '@grpc/grpc-js';
import * as grpc from '@grpc/grpc-js';
import type { DescMethod } from '@bufbuild/protobuf';

/** How one call ended. */
export interface CallOutcome {
  code: status;
  details: string;
  /** Response messages received (server or bidi streams: before the call was ended). */
  responses: number;
}

const identity = (b: Buffer | Uint8Array) => Buffer.from(b);

/** A channel to the controller that sends bytes as they are. */
export function rawClient(address: string): Client {
  const Generic = grpc.makeGenericClientConstructor({}, 'Raw');
  return new Generic(address, credentials.createInsecure(), { 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
}

/** `authorization: Bearer <secret>`, or no metadata for an anonymous call. */
export function authMetadata(secret: string | undefined): Metadata {
  const metadata = new Metadata();
  if (secret !== undefined) metadata.set('authorization', `Bearer ${secret}`);
  return metadata;
}

/**
 * Sends `messages` (one for unary and server-streaming methods) and waits for
 * the call's status. Streams the server keeps open (a watch, a session) are
 * cancelled after `streamMs`: the status is then CANCELLED, client-side.
 */
export function callRaw(client: Client, method: DescMethod, messages: readonly Uint8Array[], metadata: Metadata, options: { deadlineMs: number; streamMs: number }): Promise<CallOutcome> {
  const path = `/${method.parent.typeName}/${method.name}`;
  const deadline = new Date(Date.now() + options.deadlineMs);
  return new Promise((resolve) => {
    let responses = 0;
    let settled = false;
    const finish = (code: status, details: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ code, details, responses });
    };
    const onError = (err: ServiceError) => finish(err.code, err.details);
    let timer: NodeJS.Timeout | undefined;
    switch (method.methodKind) {
      case 'unary':
        client.makeUnaryRequest(path, identity, identity, messages[0] ?? new Uint8Array(), metadata, { deadline }, (err) => (err ? onError(err) : finish(status.OK, '')));
        return;
      case 'server_streaming': {
        const call = client.makeServerStreamRequest(path, identity, identity, messages[0] ?? new Uint8Array(), metadata, { deadline });
        call.on('data', () => (responses += 1));
        call.on('error', onError);
        call.on('status', (s: grpc.StatusObject) => s.code === status.OK && finish(status.OK, s.details));
        timer = setTimeout(() => call.cancel(), options.streamMs);
        return;
      }
      case 'client_streaming': {
        const call = client.makeClientStreamRequest(path, identity, identity, metadata, { deadline }, (err) => (err ? onError(err) : finish(status.OK, '')));
        for (const message of messages) call.write(message);
        call.end();
        return;
      }
      case 'bidi_streaming': {
        const call = client.makeBidiStreamRequest(path, identity, identity, metadata, { deadline });
        call.on('data', () => (responses += 1));
        call.on('error', onError);
        call.on('status', (s: grpc.StatusObject) => s.code === status.OK && finish(status.OK, s.details));
        for (const message of messages) call.write(message);
        timer = setTimeout(() => call.cancel(), options.streamMs);
        return;
      }
    }
  });
}
