/**
 * CPU time spent by the processes of a scenario (Linux /proc): where a
 * deploy's seconds go on a machine whose cores the controller, the sim
 * agents and PostgreSQL share.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface CpuSample {
  /** This process (the controller and the bench's own polling). */
  controller: number;
  agents: number;
  postgres: number;
}

/** /proc reports times in USER_HZ, 100 on every Linux architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** User + system seconds of one process, or 0 when it is gone. */
function processSeconds(pid: number): number {
  try {
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

function postgresPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** CPU seconds so far of this process, the agents' worker processes and every PostgreSQL process; undefined off Linux. */
export function sampleCpu(agentPids: readonly number[]): CpuSample | undefined {
  if (process.platform !== 'linux') return undefined;
  const own = process.cpuUsage();
  return {
    controller: (own.user + own.system) / 1e6,
    agents: agentPids.reduce((sum, pid) => sum + processSeconds(pid), 0),
    postgres: postgresPids().reduce((sum, pid) => sum + processSeconds(pid), 0),
  };
}

/** What was spent between two samples. */
export function cpuSpent(before: CpuSample, after: CpuSample): CpuSample {
  return { controller: after.controller - before.controller, agents: after.agents - before.agents, postgres: after.postgres - before.postgres };
}
