/**
 * The controller replicas an agent may talk to: one gRPC channel per address,
 * made when first used and shared by every call (with a single address, the
 * one channel the agent always had), and routes that pick the address a call
 * goes to. Each caller (the session, enrollment, report uploads) keeps its own
 * route, so that one's failure does not move the others.
 */
import type { AgentServiceClient } from '../proto/gen/slipstream/v1/agent.js';

/** Where a call goes, and what to do when it could not get through. */
export interface ControllerPicker {
  /** The address calls go to now. */
  readonly address: string;
  /** Its client. */
  readonly client: AgentServiceClient;
  /** The address could not be reached (or could not serve the call): move on to the next one. */
  failed(): void;
}

/** The agent's channels, by address. */
export class ControllerChannels {
  private readonly clients = new Map<string, AgentServiceClient>();

  /** `addresses`: the configured ones, in order (at least one); `connect` makes a client of an address. */
  constructor(
    readonly addresses: readonly string[],
    private readonly connect: (address: string) => AgentServiceClient,
  ) {
    if (addresses.length === 0) throw new Error('ControllerChannels: no controller address');
  }

  /** The client of `address`, made on first use. */
  client(address: string): AgentServiceClient {
    let client = this.clients.get(address);
    if (!client) this.clients.set(address, (client = this.connect(address)));
    return client;
  }

  /** Closes the channel of an address a redirect named that is not in the configured list: nothing will use it again. */
  release(address: string): void {
    if (this.addresses.includes(address)) return;
    this.clients.get(address)?.close();
    this.clients.delete(address);
  }

  /** A new route, starting at the first address. */
  route(): ControllerRoute {
    return new ControllerRoute(this);
  }

  /** Closes every channel. */
  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}

/**
 * Round robin over the configured addresses, with a preferred address (the
 * replica a redirect named) that is used until it fails.
 */
export class ControllerRoute implements ControllerPicker {
  private index = 0;
  private preferred: string | undefined;

  constructor(private readonly channels: ControllerChannels) {}

  get address(): string {
    return this.preferred ?? this.channels.addresses[this.index]!;
  }

  get client(): AgentServiceClient {
    return this.channels.client(this.address);
  }

  /** Whether a failure can move the route elsewhere (more than one address, or a preferred one to drop). */
  get hasAlternatives(): boolean {
    return this.preferred !== undefined || this.channels.addresses.length > 1;
  }

  /** Goes to `address` from now on, until it fails. */
  prefer(address: string): void {
    if (this.preferred === address) return;
    this.dropPreferred();
    // A configured address is simply where the round robin stands now.
    const configured = this.channels.addresses.indexOf(address);
    if (configured >= 0) this.index = configured;
    else this.preferred = address;
  }

  /** The preferred address is dropped first (back to where the round robin stood); else the next configured one. */
  failed(): void {
    if (this.preferred !== undefined) return this.dropPreferred();
    this.index = (this.index + 1) % this.channels.addresses.length;
  }

  private dropPreferred(): void {
    if (this.preferred === undefined) return;
    this.channels.release(this.preferred);
    this.preferred = undefined;
  }
}
