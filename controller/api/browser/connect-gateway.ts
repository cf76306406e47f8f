/**
 * The public API for browsers: every public service of the contract, in the
 * Connect protocol and gRPC-Web, on the controller's HTTP port.
 *
 * Each call is forwarded, as protobuf bytes with the caller's authorization,
 * to the controller's own gRPC API over one loopback channel: the request
 * guard, authentication, roles, tenant scoping, masking, call limits, drain
 * on shutdown and call metrics all apply as they do to any gRPC client, from
 * one implementation. The services come from the contract's descriptor set at
 * run time; nothing is generated for this.
 */
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import {
  fromBinary,
  toBinary,
  type DescMethod,
  type DescMethodServerStreaming,
  type DescMethodUnary,
  type DescService,
  type Message,
  type Registry,
} from '@bufbuild/protobuf';
import { Metadata, type Client, type ClientReadableStream } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { contractRegistry } from '../contract-descriptors.js';
import { MAX_REQUEST_BYTES } from '../request-limits.js';
import { connectErrorOf, isServiceError } from './connect-errors.js';
import { openLoopbackChannel, type LoopbackTarget } from './loopback-channel.js';

/** The services browsers reach; agents keep gRPC (their session is a bidirectional stream). */
export const BROWSER_SERVICES = [
  'slipstream.v1.ModuleService',
  'slipstream.v1.TenantService',
  'slipstream.v1.UserService',
  'slipstream.v1.TokenService',
  'slipstream.v1.RunService',
  'slipstream.v1.CloudService',
  'slipstream.v1.ControllerService',
  'slipstream.v1.UsageService',
  'slipstream.v1.TemplateService',
  'slipstream.v1.ImageService',
] as const;

/** Where the HTTP server sends a request to: paths of the contract's services. */
export const BROWSER_API_PREFIX = '/slipstream.v1.';

/** A Node request handler (connect-node does not export its name). */
export type NodeHandlerFn = ReturnType<typeof connectNodeAdapter>;

const toBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const asIs = (bytes: Buffer) => bytes;

/**
 * Serves the browser API over HTTP. Until `open` (the gRPC API serves) and
 * from `close` on, every call is UNAVAILABLE.
 */
export class ConnectGateway {
  /** The paths it serves: every public service's. */
  readonly prefix = BROWSER_API_PREFIX;
  /** The Node request handler, for paths under `prefix`. */
  readonly handle: NodeHandlerFn;
  private channel: Client | undefined;
  private closed = false;
  /** Calls forwarded now: `close` cancels them. */
  private readonly inFlight = new Set<{ cancel(): void }>();

  constructor(
    private readonly log: Logger,
    private readonly registry: Registry = contractRegistry(),
  ) {
    const services = BROWSER_SERVICES.map((name) => {
      const service = registry.getService(name);
      if (!service) throw new Error(`the contract has no ${name}`);
      return service;
    });
    this.handle = connectNodeAdapter({
      // The HTTP port is HTTP/1.1, where gRPC (trailers) cannot work; gRPC clients use the API port.
      grpc: false,
      grpcWeb: true,
      connect: true,
      readMaxBytes: MAX_REQUEST_BYTES,
      routes: (router) => services.forEach((service) => this.route(router, service)),
    });
  }

  /** Starts forwarding to the API (once it serves). */
  open(target: LoopbackTarget): void {
    if (this.closed || this.channel) return;
    this.channel = openLoopbackChannel(target);
    this.log.info({ address: target.address }, 'browser API forwarding to the gRPC API');
  }

  /** Refuses new calls, cancels those in flight and closes the channel. Idempotent. */
  close(): void {
    this.closed = true;
    for (const call of this.inFlight) call.cancel();
    this.inFlight.clear();
    this.channel?.close();
    this.channel = undefined;
  }

  private route(router: ConnectRouter, service: DescService): void {
    for (const method of service.methods) {
      if (method.methodKind === 'unary') {
        const unary = method as DescMethodUnary;
        router.rpc(unary, (request, ctx) => this.unary(unary, request, ctx));
      } else if (method.methodKind === 'server_streaming') {
        const streaming = method as DescMethodServerStreaming;
        router.rpc(streaming, (request, ctx) => this.serverStream(streaming, request, ctx));
      } else {
        // Connect over HTTP/1.1 cannot stream requests; no public method does today.
        router.rpc(method as DescMethodUnary, () => {
          throw new ConnectError(`${method.name} streams its requests, which browsers cannot send: use the gRPC API`, Code.Unimplemented);
        });
      }
    }
  }

  private unary(method: DescMethodUnary, request: Message, ctx: HandlerContext): Promise<Message> {
    const channel = this.usable();
    const bytes = toBinary(method.input, request);
    return new Promise((resolve, reject) => {
      const call = channel.makeUnaryRequest(pathOf(method), toBuffer, asIs, toBuffer(bytes), metadataOf(ctx), optionsOf(ctx), (err, value) => {
        done();
        if (err) reject(this.translate(err));
        else if (!value) reject(new ConnectError('the API answered nothing', Code.Internal));
        else resolve(fromBinary(method.output, value));
      });
      const done = this.track(call, ctx);
    });
  }

  private async *serverStream(method: DescMethodServerStreaming, request: Message, ctx: HandlerContext): AsyncGenerator<Message> {
    const channel = this.usable();
    const bytes = toBinary(method.input, request);
    const call: ClientReadableStream<Buffer> = channel.makeServerStreamRequest(pathOf(method), toBuffer, asIs, toBuffer(bytes), metadataOf(ctx), optionsOf(ctx));
    const done = this.track(call, ctx);
    try {
      for await (const chunk of call) yield fromBinary(method.output, chunk as Buffer);
    } catch (err) {
      throw this.translate(err);
    } finally {
      // The browser went away (the generator returns early): the gRPC stream, its stream slot and its watch end too.
      call.cancel();
      done();
    }
  }

  private usable(): Client {
    if (!this.channel) throw new ConnectError(this.closed ? 'the controller is shutting down' : 'the controller is starting', Code.Unavailable);
    return this.channel;
  }

  /** Cancels the gRPC call when the browser's call ends early (abort, timeout) or the gateway closes; returns the untracking. */
  private track(call: { cancel(): void }, ctx: HandlerContext): () => void {
    const cancel = () => call.cancel();
    ctx.signal.addEventListener('abort', cancel, { once: true });
    this.inFlight.add(call);
    return () => {
      ctx.signal.removeEventListener('abort', cancel);
      this.inFlight.delete(call);
    };
  }

  private translate(err: unknown): ConnectError {
    if (isServiceError(err)) return connectErrorOf(err, this.registry);
    if (err instanceof ConnectError) return err;
    this.log.error({ err }, 'forwarding a browser call failed');
    return new ConnectError('internal error; the controller log has the details', Code.Internal);
  }
}

function pathOf(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

/** Only the caller's credentials go on: the API authenticates them exactly as from any gRPC client. */
function metadataOf(ctx: HandlerContext): Metadata {
  const metadata = new Metadata();
  const authorization = ctx.requestHeader.get('authorization');
  if (authorization !== null) metadata.set('authorization', authorization);
  return metadata;
}

/** The browser's timeout becomes the gRPC deadline. */
function optionsOf(ctx: HandlerContext): { deadline?: Date } {
  const timeoutMs = ctx.timeoutMs();
  return timeoutMs === undefined ? {} : { deadline: new Date(Date.now() + timeoutMs) };
}
