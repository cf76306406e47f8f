/**
 * A caller of the controller's browser API (Connect or gRPC-Web on its HTTP
 * port) the way a browser's client library calls it: messages built from and
 * read as the contract's JSON, services taken from the descriptor set.
 */
import { fromJson, toJson, type DescMethod, type JsonObject, type JsonValue, type Message } from '@bufbuild/protobuf';
import { createClient, type CallOptions, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import type { Socket } from 'node:net';
import { Agent as HttpsAgent, type AgentOptions } from 'node:https';
import { contractRegistry } from '../../controller/api/contract-descriptors.js';

/** The contract, as browsers would have it. */
export const CONTRACT = contractRegistry();

export type BrowserProtocol = 'connect' | 'grpc-web';

type UnaryFn = (request: Message, options?: CallOptions) => Promise<Message>;
type StreamFn = (request: Message, options?: CallOptions) => AsyncIterable<Message>;

/** Options of one call: the token (none: no authorization header), an abort signal, a timeout. */
export interface BrowserCallOptions {
  token?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export class BrowserApi {
  readonly transport: Transport;

  private readonly agent: HttpsAgent | undefined;

  constructor(
    readonly baseUrl: string,
    caCertificate: string | undefined,
    protocol: BrowserProtocol = 'connect',
  ) {
    this.agent = baseUrl.startsWith('https:') ? new BrowserLikeAgent({ keepAlive: true, ...(caCertificate ? { ca: caCertificate } : {}) }) : undefined;
    const options = { baseUrl, httpVersion: '1.1' as const, ...(this.agent ? { nodeOptions: { agent: this.agent } } : {}) };
    this.transport = protocol === 'connect' ? createConnectTransport(options) : createGrpcWebTransport(options);
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent?.destroy();
  }

  /** A unary call; `method` is `Service/Method` without the package, e.g. `UserService/WhoAmI`. */
  async call(method: string, request: JsonValue, options: BrowserCallOptions = {}): Promise<JsonObject> {
    const { desc, fn } = this.method<UnaryFn>(method);
    const response = await fn(fromJson(desc.input, request), callOptions(options));
    return toJson(desc.output, response as never) as JsonObject;
  }

  /** A server-streaming call; each message as JSON. */
  async *stream(method: string, request: JsonValue, options: BrowserCallOptions = {}): AsyncGenerator<JsonObject> {
    const { desc, fn } = this.method<StreamFn>(method);
    for await (const message of fn(fromJson(desc.input, request), callOptions(options))) yield toJson(desc.output, message as never) as JsonObject;
  }

  private method<F>(name: string): { desc: DescMethod; fn: F } {
    const [service, method] = name.split('/');
    const desc = CONTRACT.getService(`slipstream.v1.${service}`);
    const found = desc?.methods.find((m) => m.name === method);
    if (!desc || !found) throw new Error(`no method ${name} in the contract`);
    const client = createClient(desc, this.transport) as unknown as Record<string, F>;
    return { desc: found, fn: client[found.localName]! };
  }
}

function callOptions({ token, signal, timeoutMs }: BrowserCallOptions): CallOptions {
  return {
    ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    ...(signal ? { signal } : {}),
    ...(timeoutMs ? { timeoutMs } : {}),
  };
}

/**
 * Keeps connections and sends without Nagle's delay, as browsers do. Node's
 * https agent leaves Nagle on for TLS sockets (its noDelay option does not
 * reach them): a request's headers and body then wait out the server's
 * delayed ACK, ~40 ms a call here, a cost no browser pays.
 */
class BrowserLikeAgent extends HttpsAgent {
  constructor(options: AgentOptions) {
    super(options);
  }

  override createConnection(...args: Parameters<HttpsAgent['createConnection']>): ReturnType<HttpsAgent['createConnection']> {
    const socket = super.createConnection(...args) as Socket | undefined;
    socket?.setNoDelay(true);
    return socket;
  }
}
