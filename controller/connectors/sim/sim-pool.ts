/**
 * The processes that host the `sim` driver's agents. A pool outlives the
 * controllers that use it (a benchmark restarts its controller while the
 * agents keep running, as VMs would), so it is made by the embedder and
 * handed to the driver, or served to controllers in other processes
 * (SimPoolServer).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runningFromSources } from '../../../common/package-root.js';
import { mergeLogKinds } from './sim-log-tally.js';
import type { SimAgentRecord, SimLogKind, SimReply, SimRequest, SimVmStart } from './sim-protocol.js';
import type { SimVm, SimVmHost } from './sim-vm-host.js';

export type { SimVm } from './sim-vm-host.js';

export interface SimPoolOptions {
  /** Worker processes; agents are spread over them. Default 2. */
  workers?: number;
  /**
   * Profile each worker's CPU (node --cpu-prof) into this directory; the
   * profiles are written when the pool closes, which then lets the workers
   * exit instead of killing them.
   */
  cpuProfileDir?: string;
}

type Pending = { resolve: (value: unknown) => void; reject: (err: Error) => void };
type Body = SimRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

class SimWorker {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private exited: Error | undefined;

  constructor(readonly process: ChildProcess) {
    process.on('message', (reply: SimReply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.result);
      else waiter.reject(new Error(reply.error));
    });
    process.once('exit', (code, signal) => {
      this.exited = new Error(`sim worker ${process.pid} exited (${signal ?? code})`);
      for (const waiter of this.pending.values()) waiter.reject(this.exited);
      this.pending.clear();
    });
  }

  call<T>(body: Body): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.process.send({ ...body, id } as SimRequest, (err) => {
        if (!err) return;
        this.pending.delete(id);
        reject(err);
      });
    });
  }
}

export class SimPool implements SimVmHost {
  private readonly workers: SimWorker[];
  /** Running sim VMs by vm id: a VM runs from startVm until stopVm, whatever its agent does (as a real VM would). */
  private readonly running = new Map<string, SimVm & { worker: SimWorker }>();
  private readonly byKey = new Map<string, string>();
  private next = 0;

  private constructor(
    workers: SimWorker[],
    private readonly profiling: boolean,
  ) {
    this.workers = workers;
  }

  /** Starts the worker processes. */
  static start(options: SimPoolOptions = {}): SimPool {
    const count = options.workers ?? 2;
    if (!Number.isInteger(count) || count < 1) throw new Error('sim pool: workers must be a positive integer');
    // From the sources the worker is TypeScript, run through tsx; from the build it is plain JavaScript.
    const fromSources = runningFromSources();
    const entry = fileURLToPath(new URL(fromSources ? './sim-worker.ts' : './sim-worker.js', import.meta.url));
    const workers = Array.from({ length: count }, () => {
      const child = fork(entry, [], {
        execArgv: [...(fromSources ? ['--import', import.meta.resolve('tsx')] : []), ...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [])],
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      return new SimWorker(child);
    });
    return new SimPool(workers, options.cpuProfileDir !== undefined);
  }

  get size(): number {
    return this.workers.length;
  }

  /** The worker processes' ids (to account for the agents' CPU). */
  get pids(): number[] {
    return this.workers.flatMap((w) => (w.process.pid === undefined ? [] : [w.process.pid]));
  }

  /** Starts the agent of one sim VM (idempotent per key while it runs). */
  async startVm(vm: SimVmStart): Promise<void> {
    const known = this.byKey.get(vm.key);
    if (known) return;
    const worker = this.workers[this.next++ % this.workers.length]!;
    this.running.set(vm.vmId, { key: vm.key, vmId: vm.vmId, tags: vm.tags, worker });
    this.byKey.set(vm.key, vm.vmId);
    try {
      await worker.call({ op: 'start', vm });
    } catch (err) {
      this.running.delete(vm.vmId);
      this.byKey.delete(vm.key);
      throw err;
    }
  }

  /** The running sim VM with this id. */
  vm(vmId: string): SimVm | undefined {
    const vm = this.running.get(vmId);
    return vm && { key: vm.key, vmId: vm.vmId, tags: vm.tags };
  }

  /** Stops the agent of one sim VM and forgets the VM (a no-op when it is not running). */
  async stopVm(vmId: string): Promise<void> {
    const vm = this.running.get(vmId);
    if (!vm) return;
    await vm.worker.call({ op: 'stop', key: vm.key });
    this.running.delete(vmId);
    this.byKey.delete(vm.key);
  }

  /** Every running sim VM. */
  list(): SimVm[] {
    return [...this.running.values()].map(({ key, vmId, tags }) => ({ key, vmId, tags }));
  }

  /** What the agents did (all, or those of the given keys), for measurements and checks. */
  async records(keys?: string[]): Promise<SimAgentRecord[]> {
    const lists = await Promise.all(this.workers.map((w) => w.call<SimAgentRecord[]>({ op: 'records', ...(keys ? { keys } : {}) })));
    return lists.flat();
  }

  /**
   * How many agents whose key starts with `keyPrefix` there are, and how many
   * of them were welcomed after `sinceMicros` (probe clock): a poll that moves
   * two numbers per worker, not every agent's record.
   */
  async welcomedSince(keyPrefix: string, sinceMicros: number): Promise<{ agents: number; welcomed: number }> {
    const counts = await Promise.all(this.workers.map((w) => w.call<{ agents: number; welcomed: number }>({ op: 'welcomed', keyPrefix, sinceMicros })));
    return counts.reduce((sum, c) => ({ agents: sum.agents + c.agents, welcomed: sum.welcomed + c.welcomed }), { agents: 0, welcomed: 0 });
  }

  /** Resident memory of each worker process. */
  memory(): Promise<{ rssBytes: number; agents: number }[]> {
    return Promise.all(this.workers.map((w) => w.call<{ rssBytes: number; agents: number }>({ op: 'memory' })));
  }

  /** What the agents logged (warnings and errors), counted by level and message over every worker. */
  async agentLogs(): Promise<SimLogKind[]> {
    return mergeLogKinds(await Promise.all(this.workers.map((w) => w.call<SimLogKind[]>({ op: 'logs' }))));
  }

  /** Kills every worker (and so every agent); a profiled worker is let go instead, to write its profile on exit. */
  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(async (w) => {
        if (w.process.exitCode !== null || w.process.signalCode !== null) return;
        const exited = new Promise((resolve) => w.process.once('exit', resolve));
        if (this.profiling) w.process.disconnect();
        else w.process.kill('SIGKILL');
        await exited;
      }),
    );
    this.running.clear();
    this.byKey.clear();
  }
}
