/**
 * Runs as end-to-end tests drive them: the raw generated RunService methods
 * called through the client's `rpc.unary` (auth metadata, deadlines, typed
 * errors), plus waiting for run states and for a run's processes to be gone.
 */
import type { Metadata, ServiceError } from '@grpc/grpc-js';
import { readdir, readFile } from 'node:fs/promises';
import type { SlipstreamClient } from '../../client/index.js';
import * as pb from '../../proto/gen/slipstream/v1/runs.js';
import { waitFor } from './poll.js';

/** A generated unary method in its four-argument form. */
type RawUnary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: object,
  callback: (error: ServiceError | null, response: Res) => void,
) => unknown;

const FINAL_STATES = [pb.RunState.RUN_STATE_DONE, pb.RunState.RUN_STATE_ABORTED, pb.RunState.RUN_STATE_CANCELLED];

/** `Ready` for RUN_STATE_READY, for messages. */
export function stateName(state: pb.RunState): string {
  return pb
    .runStateToJSON(state)
    .replace(/^RUN_STATE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_m, _s: string, c: string) => c.toUpperCase());
}

/** True for Done, Aborted and Cancelled. */
export function isFinalState(state: pb.RunState): boolean {
  return FINAL_STATES.includes(state);
}

/** The instances of a run, flattened over its nodes. */
export function instancesOf(run: pb.Run): pb.NodeInstance[] {
  return run.nodes.flatMap((n) => n.instances);
}

/**
 * RunService for tests. Uses the raw generated client (`client.runs.raw` when
 * the typed RunsClient exists, else `client.runs`), so tests do not depend on
 * the typed wrapper. Remembers every run it launched for `terminateAll`.
 */
export class TestRuns {
  readonly raw: pb.RunServiceClient;
  /** Ids of the runs launched through this helper. */
  readonly launched: string[] = [];

  constructor(private readonly client: SlipstreamClient) {
    const runs = client.runs as unknown as { raw?: pb.RunServiceClient };
    this.raw = (runs.raw ?? client.runs) as pb.RunServiceClient;
  }

  /** Calls one raw unary method with the client's credentials. */
  call<Req, Res>(method: RawUnary<Req, Res>, request: Req): Promise<Res> {
    return this.client.rpc.unary(method.bind(this.raw) as never, request) as Promise<Res>;
  }

  async launch(module: string, request: Omit<pb.DeepPartial<pb.LaunchRunRequest>, 'module'> = {}): Promise<pb.Run> {
    const response = await this.call(this.raw.launchRun, pb.LaunchRunRequest.fromPartial({ ...request, module } as pb.DeepPartial<pb.LaunchRunRequest>));
    this.launched.push(response.run!.id);
    return response.run!;
  }

  async get(id: string): Promise<pb.Run> {
    return (await this.call(this.raw.getRun, { id })).run!;
  }

  async terminate(id: string): Promise<pb.Run> {
    return (await this.call(this.raw.terminateRun, { id })).run!;
  }

  async events(id: string): Promise<pb.RunEvent[]> {
    return (await this.call(this.raw.listRunEvents, { id, afterSequence: 0, pageSize: 1000 })).events;
  }

  async parameters(id: string, prefix = ''): Promise<pb.RunParameter[]> {
    return (await this.call(this.raw.listRunParameters, { id, prefix })).parameters;
  }

  async parameter(id: string, key: string): Promise<pb.RunParameter> {
    return (await this.call(this.raw.getRunParameter, { id, key, reveal: false })).parameter!;
  }

  async setParameter(id: string, key: string, value: string): Promise<pb.RunParameter> {
    return (await this.call(this.raw.setRunParameter, { id, key, value })).parameter!;
  }

  async reports(id: string): Promise<pb.RunReport[]> {
    return (await this.call(this.raw.listRunReports, { id })).reports;
  }

  /** Downloads one report tarball whole. */
  downloadReport(id: string, instance: string, name: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const stream = this.raw.downloadRunReport({ id, instance, name }, this.client.rpc.metadata(), this.client.rpc.callOptions());
      stream.on('data', (m: pb.DownloadRunReportResponse) => chunks.push(Buffer.from(m.chunk)));
      stream.on('error', reject);
      stream.on('end', () => resolve(Buffer.concat(chunks)));
    });
  }

  /**
   * The run's whole journal as WatchRun replays it (snapshot, events, state
   * changes, parameter changes with their times). Only for a final run: the
   * stream ends there.
   */
  history(id: string): Promise<pb.WatchRunResponse[]> {
    return new Promise((resolve, reject) => {
      const updates: pb.WatchRunResponse[] = [];
      const stream = this.raw.watchRun({ id, afterSequence: 0, includeLogs: false, logInstance: '' }, this.client.rpc.metadata(), this.client.rpc.callOptions());
      stream.on('data', (m: pb.WatchRunResponse) => updates.push(m));
      stream.on('error', reject);
      stream.on('end', () => resolve(updates));
    });
  }

  async logs(id: string, instance = ''): Promise<pb.LogLine[]> {
    return (await this.call(this.raw.listRunLogs, { id, instance, afterSequence: 0, pageSize: 5000 })).lines;
  }

  /** Polls GetRun until `probe` returns a value (not undefined). */
  until<T>(id: string, what: string, probe: (run: pb.Run) => T | undefined, timeoutMs = 60_000): Promise<T> {
    return waitFor(what, async () => probe(await this.get(id)), timeoutMs);
  }

  /**
   * Waits for the run to be in `state`. Fails at once (with the abort message)
   * when the run ends in another final state.
   */
  async waitForState(id: string, state: pb.RunState, timeoutMs = 60_000): Promise<pb.Run> {
    let last: pb.Run | undefined;
    try {
      return await waitFor(
        `run ${id} to be ${stateName(state)}`,
        async () => {
          const run = await this.get(id);
          last = run;
          if (run.state === state) return run;
          if (isFinalState(run.state)) throw new FinalStateError(run);
          return undefined;
        },
        timeoutMs,
      );
    } catch (err) {
      const final = (err as Error).cause instanceof FinalStateError ? (err as Error).cause : err instanceof FinalStateError ? err : undefined;
      if (final) throw final as Error;
      const seen = last ? `${stateName(last.state)}${last.abortMessage ? ` (abort: ${last.abortMessage})` : ''}` : 'nothing';
      throw new Error(`${(err as Error).message}; last seen: ${seen}`, { cause: err });
    }
  }

  /** Terminates every run launched here that is still live (best effort, for afterAll). */
  async terminateAll(): Promise<void> {
    for (const id of this.launched) {
      try {
        const run = await this.get(id);
        if (!isFinalState(run.state) && run.state !== pb.RunState.RUN_STATE_FINALIZING) await this.terminate(id);
      } catch {
        // The controller may already be gone; stop() kills the VMs anyway.
      }
    }
  }
}

class FinalStateError extends Error {
  constructor(run: pb.Run) {
    super(`run ${run.id} ended ${stateName(run.state)}${run.abortMessage ? `: ${run.abortMessage}` : ''}`);
  }
}

/** A live process on this host and what it runs. */
export interface HostProcess {
  pid: number;
  /** argv joined with spaces. */
  cmdline: string;
}

async function readEnviron(pid: string): Promise<string[] | undefined> {
  try {
    return (await readFile(`/proc/${pid}/environ`)).toString('utf8').split('\0');
  } catch {
    return undefined;
  }
}

async function isZombie(pid: string): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return true;
  }
}

/**
 * Every live process of a run's local VMs: agents (SLIPSTREAM_LOCAL_VM =
 * `<runId>/<instance>`) and what their scripts started (SLIPSTREAM_RUN_ID).
 */
export async function processesOfRun(runId: string): Promise<HostProcess[]> {
  const found: HostProcess[] = [];
  const entries = await readdir('/proc');
  await Promise.all(
    entries.map(async (name) => {
      if (!/^\d+$/.test(name) || Number(name) === process.pid) return;
      const environ = await readEnviron(name);
      if (!environ) return;
      const ours = environ.some((e) => e === `SLIPSTREAM_RUN_ID=${runId}` || e.startsWith(`SLIPSTREAM_LOCAL_VM=${runId}/`));
      if (!ours || (await isZombie(name))) return;
      let cmdline = '';
      try {
        cmdline = (await readFile(`/proc/${name}/cmdline`)).toString('utf8').split('\0').filter(Boolean).join(' ');
      } catch {
        return;
      }
      found.push({ pid: Number(name), cmdline });
    }),
  );
  return found.sort((a, b) => a.pid - b.pid);
}

/** Waits until no process of the run is left; fails listing the survivors. */
export async function waitForNoProcessesOfRun(runId: string, timeoutMs = 15_000): Promise<void> {
  let survivors: HostProcess[] = [];
  try {
    await waitFor(
      `every process of run ${runId} to be gone`,
      async () => {
        survivors = await processesOfRun(runId);
        return survivors.length === 0 ? true : undefined;
      },
      timeoutMs,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; still alive: ${survivors.map((p) => `${p.pid} ${p.cmdline}`).join('; ')}`);
  }
}
