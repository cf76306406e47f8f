/**
 * Shared by the raw baselines: grpc-js service definitions that carry raw
 * Buffers, and the child-process plumbing that makes sure no child outlives
 * a measurement.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';

/** Identity (de)serializers: a message costs its bytes and nothing for a codec. */
const identity = (bytes: Buffer): Buffer => bytes;

function rawMethod(path: string, requestStream: boolean, responseStream: boolean): grpc.MethodDefinition<Buffer, Buffer> {
  return {
    path,
    requestStream,
    responseStream,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
}

export const ECHO_SERVICE = { echo: rawMethod('/bench.raw.Echo/Echo', false, false) } satisfies grpc.ServiceDefinition;
export const FANOUT_SERVICE = { subscribe: rawMethod('/bench.raw.Fanout/Subscribe', true, true) } satisfies grpc.ServiceDefinition;
/** One bidi stream per agent, carrying sets and gets up and acks and values down (raw-relay-wire.ts frames them). */
export const RELAY_SERVICE = { connect: rawMethod('/bench.raw.Relay/Connect', true, true) } satisfies grpc.ServiceDefinition;

/** grpc-js refuses messages over 4 MiB by default; a baseline must take any size the caller asks for. */
export const UNLIMITED_MESSAGES: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': -1,
  'grpc.max_send_message_length': -1,
};

/** `--import tsx` is resolved against the working directory, so children run from the repo root. */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Nanoseconds between two `process.hrtime.bigint()` readings, as float milliseconds. */
export function nsToMs(fromNs: bigint, toNs: bigint): number {
  return Number(toNs - fromNs) / 1e6;
}

export function msToNs(ms: number): bigint {
  return BigInt(Math.round(ms * 1e6));
}


/**
 * Runs a sibling TypeScript file in a new Node process. Always with an IPC
 * channel, even when no messages are exchanged: the children exit on its
 * 'disconnect', so they go away even if this process is SIGKILLed.
 */
export function spawnSibling(file: string, args: string[], stdout: 'pipe' | 'inherit'): ChildProcess {
  const script = fileURLToPath(new URL(file, import.meta.url));
  const stdio: StdioOptions = ['ignore', stdout, 'inherit', 'ipc'];
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: REPO_ROOT, stdio });
  // A failed spawn is also seen as an exit by `exited`; without a listener it would crash the process.
  child.on('error', () => undefined);
  return child;
}

/** Rejects when `child` exits or cannot be spawned; it never resolves. Marked handled, so it can be raced at leisure. */
export function exited(child: ChildProcess, name: string): Promise<never> {
  const gone = new Promise<never>((_resolve, reject) => {
    child.once('error', (err) => reject(new Error(`${name}: ${err.message}`)));
    child.once('exit', (code, signal) => reject(new Error(`${name} exited early (code ${code}, signal ${signal})`)));
  });
  gone.catch(() => undefined);
  return gone;
}

/** SIGTERM, then SIGKILL if the child is still there after `graceMs`; resolves once it is gone. */
export async function stopChild(child: ChildProcess, graceMs = 3_000): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs);
  });
  try {
    if ((await Promise.race([gone, late])) === 'late') {
      child.kill('SIGKILL');
      await gone;
    }
  } finally {
    clearTimeout(timer);
  }
}

/** `promise`, or a rejection naming `what` once `ms` has passed. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** How many of `total` the `index`-th of `parts` processes takes: as even as can be, the first ones one more. */
export function shareOf(total: number, parts: number, index: number): number {
  return Math.floor(total / parts) + (index < total % parts ? 1 : 0);
}

export function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
}
