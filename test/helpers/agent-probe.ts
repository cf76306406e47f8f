/**
 * Talking to AgentService as an agent would, with a given credential: the
 * raw generated client, Enroll, and a Session on which parameter requests are
 * sent and matched to their replies by request id. The probe never sends a
 * hello, so it is not registered as the instance's session and does not
 * disturb the real agent of that instance.
 */
import { credentials, Metadata, status, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import {
  AgentServiceClient,
  type EnrollResponse,
  type ParameterReply,
  type RequestAck,
  type SessionRequest,
  type SessionResponse,
} from '../../proto/gen/slipstream/v1/agent.js';

/** `authorization: Bearer <secret>` metadata. */
export function bearerMetadata(secret: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${secret}`);
  return metadata;
}

/** A plaintext AgentService client for `address`. */
export function agentServiceClient(address: string): AgentServiceClient {
  return new AgentServiceClient(address, credentials.createInsecure());
}

/** Calls Enroll; resolves with the response or rejects with the ServiceError. */
export function enroll(client: AgentServiceClient, bootstrapToken: string): Promise<EnrollResponse> {
  return new Promise((resolve, reject) => {
    client.enroll(
      { bootstrapToken, agentVersion: 'probe', hostname: 'probe', ip: '127.0.0.1', instanceId: 'probe' },
      new Metadata(),
      { deadline: new Date(Date.now() + 10_000) },
      (err, response) => (err ? reject(err) : resolve(response)),
    );
  });
}

/** One Session stream opened with a credential. */
export class AgentProbe {
  private readonly call: ClientDuplexStream<SessionRequest, SessionResponse>;
  private readonly waiting = new Map<string, (reply: ParameterReply | RequestAck) => void>();
  private nextId = 1;
  /** Set once the stream failed or ended (with its status). */
  ended: ServiceError | undefined;
  private readonly endedPromise: Promise<ServiceError>;

  constructor(client: AgentServiceClient, credential: string) {
    this.call = client.session(bearerMetadata(credential));
    this.endedPromise = new Promise((resolve) => {
      this.call.on('error', (err: ServiceError) => {
        this.ended = err;
        resolve(err);
      });
      this.call.on('status', (s: { code: status; details: string }) => {
        if (s.code === status.OK) {
          this.ended ??= Object.assign(new Error(s.details), { code: s.code, details: s.details, metadata: new Metadata() }) as ServiceError;
          resolve(this.ended);
        }
      });
    });
    this.call.on('data', (response: SessionResponse) => {
      const m = response.message;
      if (m?.$case === 'parameter' || m?.$case === 'ack') {
        const resolve = this.waiting.get(m.value.requestId);
        this.waiting.delete(m.value.requestId);
        resolve?.(m.value);
      }
    });
  }

  /** Resolves with the status the stream ended with (refused or closed by the controller); rejects if still open after `timeoutMs`. */
  whenEnded(timeoutMs = 10_000): Promise<ServiceError> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the session stream is still open after ${timeoutMs} ms`)), timeoutMs);
    });
    return Promise.race([this.endedPromise, deadline]).finally(() => clearTimeout(timer));
  }

  private request<T extends ParameterReply | RequestAck>(build: (requestId: string) => SessionRequest, timeoutMs = 10_000): Promise<T> {
    const requestId = `probe-${this.nextId++}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(requestId);
        reject(new Error(`no reply to ${requestId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(requestId, (reply) => {
        clearTimeout(timer);
        resolve(reply as T);
      });
      void this.endedPromise.then((err) => {
        clearTimeout(timer);
        reject(err);
      });
      this.call.write(build(requestId));
    });
  }

  /** ParameterGet without waiting. */
  get(key: string): Promise<ParameterReply> {
    return this.request((requestId) => ({ message: { $case: 'parameterGet', value: { requestId, key, wait: false, timeoutMs: 0 } } }));
  }

  /** ParameterSet; resolves with the ack (error empty on success). */
  set(key: string, value: string): Promise<RequestAck> {
    return this.request((requestId) => ({ message: { $case: 'parameterSet', value: { requestId, key, value } } }));
  }

  /** AgentAbort (or its cancel); resolves with the ack. */
  abort(message: string, cancel = false): Promise<RequestAck> {
    return this.request((requestId) => ({ message: { $case: 'abort', value: { requestId, message, cancel } } }));
  }

  /** ReportMissing (the agent gave up uploading its report); resolves with the ack. */
  reportMissing(name: string, reason: string): Promise<RequestAck> {
    return this.request((requestId) => ({ message: { $case: 'reportMissing', value: { requestId, name, reason } } }));
  }

  /** Writes any message, unanswered (hello, log lines, ...). */
  send(request: SessionRequest): void {
    this.call.write(request);
  }

  close(): void {
    this.call.cancel();
  }
}
