/**
 * The IPC between a measurement (a baseline or a peer) and its child processes: the child
 * sends typed reports (and `failed` when it fails), the parent awaits them by
 * type; a child that exits or fails first rejects every report still awaited.
 */
import type { ChildProcess } from 'node:child_process';

export type Failed = { type: 'failed'; message: string };

/** Child side: sends a report, then calls `then` once it is written. */
export function report<M extends { type: string }>(message: M | Failed, then: () => void = () => undefined): void {
  if (!process.send) throw new Error('a measurement child must be spawned with an IPC channel');
  process.send(message, then);
}

/** Child side: reports the failure and exits 1; the IPC channel closing (the parent gone) exits 0. */
export function childLifecycle(): (err: unknown) => void {
  process.on('disconnect', () => process.exit(0));
  let failed = false;
  return (err: unknown) => {
    if (failed) return;
    failed = true;
    report({ type: 'failed', message: err instanceof Error ? err.message : String(err) }, () => process.exit(1));
  };
}

/** Parent side: `next(type)` resolves with the child's first report of that type. */
export function reportsOf<M extends { type: string }>(child: ChildProcess, name: string): <T extends M['type']>(type: T) => Promise<Extract<M, { type: T }>> {
  const received = new Map<string, M>();
  const waiting = new Map<string, { resolve: (m: M) => void; reject: (err: Error) => void }>();
  let failure: Error | undefined;
  const fail = (err: Error) => {
    failure ??= err;
    for (const w of waiting.values()) w.reject(failure);
    waiting.clear();
  };
  child.on('message', (raw: unknown) => {
    const message = raw as M | Failed;
    if (message.type === 'failed') return fail(new Error(`${name}: ${(message as Failed).message}`));
    received.set(message.type, message as M);
    waiting.get(message.type)?.resolve(message as M);
    waiting.delete(message.type);
  });
  child.once('exit', (code, signal) => fail(new Error(`${name} exited (code ${code}, signal ${signal})`)));
  child.once('error', (err) => fail(new Error(`${name}: ${err.message}`)));
  return <T extends M['type']>(type: T) => {
    const already = received.get(type);
    if (already) return Promise.resolve(already as Extract<M, { type: T }>);
    if (failure) return Promise.reject(failure);
    return new Promise<Extract<M, { type: T }>>((resolve, reject) => waiting.set(type, { resolve: resolve as (m: M) => void, reject }));
  };
}
