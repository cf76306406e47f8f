/**
 * The run's domain model: states, instances and what the state machine reads
 * and decides. Pure data; the store and the wire convert at their edges.
 */
import type { FinalState, KeepRunning, RunState } from '../../../common/runs/states.js';
import type { RunKind } from '../../../common/runs/run-kinds.js';

/** The VM's life as the controller sees it. */
export type VmLifecycle = 'pending' | 'running' | 'failed' | 'terminated';

/** Where an instance stands in a scale action. */
export type ScaleState = '' | 'adding' | 'removing' | 'removed';

export interface RunInstance {
  /** `node.N` */
  name: string;
  node: string;
  index: number;
  cloud: string;
  vm: VmLifecycle;
  /** The last (epoch, state) this instance reported complete. */
  completedEpoch: number;
  completedState: RunState | undefined;
  scaleState: ScaleState;
}

export interface RunNodeInfo {
  name: string;
  maxProvisioningFailures: number;
  /** Next instance index: ids are never reused. */
  nextIndex: number;
}

export type ScaleAction = 'add' | 'remove';

/** A scale action in progress. */
export interface ScaleOperation {
  action: ScaleAction;
  node: string;
  /** Instances added or being removed. */
  instances: string[];
}

export interface RunModel {
  /** Absent: a deployment. An image build stays in Ready (not aborted) until its snapshot is done. */
  kind?: RunKind;
  state: RunState;
  /** Deployment cycle: 0 at launch, +1 per scale action. */
  epoch: number;
  abortMessage: string | undefined;
  recoveryMode: boolean;
  keepRunning: KeepRunning;
  scalable: boolean;
  timeoutMinutes: number;
  stateChangedAt: Date;
  /** When the abort was raised, to bound the drain of unresponsive runs. */
  abortedAt: Date | undefined;
  /** Set when Finalizing: the final state it ends in. */
  finalState: FinalState | undefined;
  nodes: RunNodeInfo[];
  instances: RunInstance[];
  scale: ScaleOperation | undefined;
}

/** Who caused something: `user:NAME`, `agent:node.N`, `controller`. */
export type Actor = string;

export type RunInput =
  | { type: 'launch' }
  /**
   * `vmId`: the cloud's id of the VM, stored in the same commit as the transition;
   * it and `ip` (as the cloud reported them) become the instance's `instanceid` and `ip`.
   */
  | { type: 'vm-running'; instance: string; vmId?: string; ip?: string }
  | { type: 'provisioning-failed'; instance: string; message: string }
  | { type: 'state-completed'; instance: string; state: RunState; epoch: number }
  | { type: 'abort'; message: string; actor: Actor }
  | { type: 'cancel-abort'; actor: Actor }
  | { type: 'terminate'; actor: Actor }
  | { type: 'tick' }
  | { type: 'vms-destroyed'; instances: string[] }
  | { type: 'instance-lost'; instance: string; message: string }
  | { type: 'scale-add'; node: string; count: number; cloud: string; actor: Actor }
  | { type: 'scale-remove'; instances: string[]; actor: Actor }
  /** An image build's snapshot is available (the controller recorded it): the build is done. */
  | { type: 'image-built'; imageId: string };

export type EventType =
  | 'state'
  | 'abort'
  | 'abort-cancelled'
  | 'scale'
  | 'provisioning-failure'
  | 'terminate'
  | 'timeout'
  | 'instance-lost'
  /** An image build's steps: started, snapshot requested, image available or failed. */
  | 'image';

export type Effect =
  /** Create these instances' VMs. */
  | { type: 'provision'; instances: string[] }
  /** Destroy these instances' VMs, then feed `vms-destroyed`. */
  | { type: 'destroy'; instances: string[] }
  /** Tell every active agent the current state (with its per-instance scale hook and the abort). */
  | { type: 'push-state' }
  /** The run is final: close agent sessions and revoke their credentials. */
  | { type: 'finished' }
  /** Journal an event; a `state` event also carries its change as data, so that readers never parse the message. */
  | { type: 'event'; eventType: EventType; actor: Actor; message: string; change?: StateChange }
  /** An image build reached Ready: snapshot its VM, then feed `image-built` (or `abort` when the image fails). */
  | { type: 'snapshot' }
  /** Set a runtime parameter (`ss:state`, `node.N:scale.state`, `node:ids`, ...). */
  | { type: 'set-parameter'; key: string; value: string };

/** A run's move from one state to the next. */
export interface StateChange {
  from: RunState;
  to: RunState;
}

export interface Transition {
  run: RunModel;
  effects: Effect[];
}
