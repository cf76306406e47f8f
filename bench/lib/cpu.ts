/**
 * CPU time spent by the processes of a scenario (Linux /proc): where a
 * deploy's seconds go on a machine whose cores the controller, the sim
 * agents and PostgreSQL share.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds so far, by process id, of this process, the agents' workers and PostgreSQL. */
export interface CpuSample {
  /** Every process on the machine (/proc/stat), when read. */
  machine?: number;
  controller: number;
  agents: Map<number, number>;
  postgres: Map<number, number>;
}

/** What a scenario spent, in CPU seconds. */
export interface CpuSpent {
  /** This process (the controller and the bench's own polling). */
  controller: number;
  agents: number;
  /** PostgreSQL processes that ended in between are not counted (their CPU is gone with them). */
  postgres: number;
  /** What the rest of the machine used meanwhile (other processes, the kernel's interrupts), when both samples read it. */
  others?: number;
}

/** /proc reports times in USER_HZ, 100 on every Linux architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** User + system seconds of one process, or undefined when it is gone. */
function processSeconds(pid: number): number | undefined {
  try {
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** User + system seconds so far of each of these processes that still runs (replica processes, workers). */
export function secondsByPid(pids: readonly number[]): Map<number, number> {
  const seconds = new Map<number, number>();
  for (const pid of pids) {
    const s = processSeconds(pid);
    if (s !== undefined) seconds.set(pid, s);
  }
  return seconds;
}

/** A backend's title, `postgres: <cluster>: <user> <database> <client>(<port>) <activity>`: the database it serves. */
const BACKEND_TITLE = /^postgres: [^:]*: \S+ (\S+) (?:\S+\(\d+\)|\[local\])/;

/**
 * The PostgreSQL server's processes (the postmaster, its helpers and the
 * backends), by command name; given a database, backends serving other
 * databases are left out (on a shared machine they are someone else's work).
 */
export function postgresPids(database?: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      if (database !== undefined) {
        const serves = BACKEND_TITLE.exec(readFileSync(`/proc/${entry}/cmdline`, 'utf8'))?.[1];
        if (serves !== undefined && serves !== database) continue;
      }
      pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** A sample now; undefined off Linux. With a database, PostgreSQL counts only backends serving it (and the server's own processes). */
export function sampleCpu(agentPids: readonly number[], database?: string): CpuSample | undefined {
  if (process.platform !== 'linux') return undefined;
  const own = process.cpuUsage();
  return { machine: machineSeconds(), controller: (own.user + own.system) / 1e6, agents: secondsByPid(agentPids), postgres: secondsByPid(postgresPids(database)) };
}

/** What was spent between two samples: a process that started in between counts whole. */
export function cpuSpent(before: CpuSample, after: CpuSample): CpuSpent {
  const spent = (b: Map<number, number>, a: Map<number, number>) => [...a].reduce((sum, [pid, s]) => sum + s - (b.get(pid) ?? 0), 0);
  const ours = { controller: after.controller - before.controller, agents: spent(before.agents, after.agents), postgres: spent(before.postgres, after.postgres) };
  if (before.machine === undefined || after.machine === undefined) return ours;
  return { ...ours, others: Math.max(0, after.machine - before.machine - ours.controller - ours.agents - ours.postgres) };
}

/**
 * The CPU floor of what was spent: the wall seconds it would take with every one of `cores` busy the whole time (no
 * process waiting on another). A scenario's wall time over this is time when some core idled.
 */
export function cpuFloorSeconds(spent: CpuSpent, cores: number): number {
  return ourSeconds(spent) / cores;
}

/**
 * The CPU floor on the cores the rest of the machine left: `cores` less the
 * cores it kept busy on average over `sampledSeconds`. Undefined without a
 * reading of it, or when it left less than a tenth of a core.
 */
export function cpuFloorOnCoresLeftSeconds(spent: CpuSpent, cores: number, sampledSeconds: number): number | undefined {
  if (spent.others === undefined || sampledSeconds <= 0) return undefined;
  const left = cores - spent.others / sampledSeconds;
  return left < 0.1 ? undefined : ourSeconds(spent) / left;
}

/** The controller's, the sim agents' and PostgreSQL's seconds together. */
export function ourSeconds(spent: Pick<CpuSpent, 'controller' | 'agents' | 'postgres'>): number {
  return spent.controller + spent.agents + spent.postgres;
}

/** CPU seconds spent in one interval of a timeline, by group, and the interval's wall length. */
export interface CpuSlice {
  /** When the slice began (epoch ms, the clock of the run journal's times). */
  startedAt: number;
  wallMs: number;
  spent: CpuSpent;
  /** CPU seconds every process on the machine used (/proc/stat): on a shared machine, what others took. */
  machine: number;
  /**
   * Seconds the groups' threads were ready to run but waited for a core
   * (schedstat run delay): on a shared machine, demand that others' work
   * crowded out. What a group neither ran nor waited to run, it slept.
   */
  waited: CpuSpent;
}

/** Seconds every thread of each of these processes has waited for a core so far (/proc/<pid>/task/<tid>/schedstat). */
function runDelayByPid(pids: readonly number[]): Map<number, number> {
  const delays = new Map<number, number>();
  for (const pid of pids) {
    try {
      let nanos = 0;
      for (const tid of readdirSync(`/proc/${pid}/task`)) nanos += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]);
      delays.set(pid, nanos / 1e9);
    } catch {
      // The process (or one of its threads) ended while we looked.
    }
  }
  return delays;
}

/** Run delays so far, by group, shaped as a CpuSample so that cpuSpent subtracts two of them. */
function sampleRunDelay(agentPids: readonly number[], database?: string): CpuSample {
  return { controller: runDelayByPid([process.pid]).get(process.pid) ?? 0, agents: runDelayByPid(agentPids), postgres: runDelayByPid(postgresPids(database)) };
}

/** CPU seconds every process on the machine has used so far (all CPUs, all but idle and iowait). */
function machineSeconds(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}

/**
 * Samples the CPU of this process, the agents' workers and PostgreSQL every
 * `intervalMs` until stopped: when the cores idled during a scenario (a
 * slice whose groups together used less than the cores is a serial wait).
 * The sampler's own timer runs in this process; a slice is as long as the
 * timer was late, so a busy event loop stretches slices, never hides CPU.
 */
export function startCpuTimeline(agentPids: readonly number[], database?: string, intervalMs = 100): { stop(): CpuSlice[] } {
  const slices: CpuSlice[] = [];
  let last = sampleCpu(agentPids, database);
  let lastDelay = sampleRunDelay(agentPids, database);
  let lastAt = Date.now();
  const timer = setInterval(() => {
    const now = sampleCpu(agentPids, database);
    const delay = sampleRunDelay(agentPids, database);
    const at = Date.now();
    // sampleCpu reads the machine's total on Linux, the only place it returns a sample.
    if (last?.machine !== undefined && now?.machine !== undefined) {
      slices.push({ startedAt: lastAt, wallMs: at - lastAt, spent: cpuSpent(last, now), machine: now.machine - last.machine, waited: cpuSpent(lastDelay, delay) });
    }
    last = now;
    lastDelay = delay;
    lastAt = at;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return slices;
    },
  };
}

/** The database a connection string names (its path). */
export function databaseName(databaseUrl: string): string {
  return decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
}
