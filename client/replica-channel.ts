/**
 * One grpc-js channel over several controller replicas: every call goes to
 * the current replica; a call that finds it unreachable marks it failed, and
 * the calls after it go to the next one. The sub-clients' raw clients all
 * use it (`channelOverride`), so switching replica needs no new clients.
 */
import type { Channel, ChannelInterface, connectivityState } from '@grpc/grpc-js';

type CreateCall = ChannelInterface['createCall'];

/** The replica a call was sent to, as `ReplicaChannel.current()` named it. */
export interface ReplicaPick {
  readonly index: number;
  readonly address: string;
}

/** A channel that sends each call to the current replica (a grpc-js ChannelInterface, as `channelOverride`). */
export class ReplicaChannel implements ChannelInterface {
  private readonly channels: readonly Channel[];
  private index = 0;

  /** `connect` makes the channel of one address (each address has its own TLS name). */
  constructor(
    readonly addresses: readonly string[],
    connect: (address: string) => Channel,
  ) {
    // One channel per replica, each connecting lazily (on its first call).
    this.channels = addresses.map(connect);
  }

  /** Where the next call goes. */
  current(): ReplicaPick {
    return { index: this.index, address: this.addresses[this.index]! };
  }

  /**
   * The replica of `pick` could not be reached: calls move on to the next one.
   * A no-op when an earlier failure already moved them, so that calls failing
   * together on one replica skip it once, not once each.
   */
  failed(pick: ReplicaPick): void {
    if (pick.index === this.index) this.index = (this.index + 1) % this.channels.length;
  }

  /** More than one replica to move on to. */
  get several(): boolean {
    return this.channels.length > 1;
  }

  createCall(...args: Parameters<CreateCall>): ReturnType<CreateCall> {
    return this.channels[this.index]!.createCall(...args);
  }

  getTarget(): string {
    return this.channels[this.index]!.getTarget();
  }

  getConnectivityState(tryToConnect: boolean): connectivityState {
    return this.channels[this.index]!.getConnectivityState(tryToConnect);
  }

  watchConnectivityState(currentState: connectivityState, deadline: Date | number, callback: (error?: Error) => void): void {
    this.channels[this.index]!.watchConnectivityState(currentState, deadline, callback);
  }

  getChannelzRef(): ReturnType<ChannelInterface['getChannelzRef']> {
    return this.channels[this.index]!.getChannelzRef();
  }

  close(): void {
    for (const channel of this.channels) channel.close();
  }
}
