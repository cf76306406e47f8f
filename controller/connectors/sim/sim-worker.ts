/**
 * A sim worker process: hosts many agents (startAgent, each with its own
 * gRPC connection) whose recipes the sim phase runner interprets. Driven by
 * its SimPool over Node IPC; exits when the pool goes away.
 */
import { startAgent, type AgentProbeEvent, type RunningAgent } from '../../../agent/index.js';
import { LogTally } from './sim-log-tally.js';
import { createSimPhaseRunner, newSimRecipeStats } from './sim-recipes.js';
import type { SimAgentRecord, SimReply, SimRequest, SimVmStart } from './sim-protocol.js';

interface Hosted {
  record: SimAgentRecord;
  agent: RunningAgent | undefined;
  starting: Promise<void>;
}

// The worker runs its agents' TypeScript through tsx, which turns source maps on; a real agent runs the bundle without
// them. With them, every error grpc-js builds (one per stream a restart drops, per failed redial) formatted its stack
// through the source maps: 0.8 s of a worker's 7 s while 5,000 agents lost their controller and dialled it back.
process.setSourceMapsEnabled(false);

const hosted = new Map<string, Hosted>();
const logs = new LogTally();

function reply(message: SimReply): void {
  process.send?.(message);
}

function toEvent(event: AgentProbeEvent): SimAgentRecord['events'][number] {
  const at = Number(event.at / 1000n);
  return event.type === 'enrolled' ? [event.type, 0, 0, at] : [event.type, event.state, event.epoch, at];
}

function start(vm: SimVmStart): void {
  const existing = hosted.get(vm.key);
  if (existing?.record.alive) return;
  const stats = newSimRecipeStats();
  const record: SimAgentRecord = { key: vm.key, vmId: vm.vmId, tags: vm.tags, alive: true, exit: undefined, enrollUptimeMs: undefined, events: [], stats };
  // When the VM "booted": the start of its agent, as the controller's provisioning made it.
  record.events.push(['vm-started', 0, 0, Number(process.hrtime.bigint() / 1000n)]);
  const entry: Hosted = { record, agent: undefined, starting: Promise.resolve() };
  entry.starting = (async () => {
    try {
      const agent = await startAgent({
        config: { ...vm.config, workDir: vm.workDir },
        phaseRunner: createSimPhaseRunner(stats),
        recipeCommands: false,
        logLevel: 'warn',
        logSink: (line) => logs.add(line),
        env: {},
        probe: (event) => {
          if (event.type === 'enrolled') record.enrollUptimeMs = event.uptimeMs;
          record.events.push(toEvent(event));
        },
      });
      entry.agent = agent;
      void agent.done.then((exit) => {
        record.alive = false;
        record.exit = exit.error ? `${exit.reason}: ${exit.error.message}` : exit.reason;
      });
    } catch (err) {
      record.alive = false;
      record.exit = `fatal: ${(err as Error).message}`;
    }
  })();
  hosted.set(vm.key, entry);
}

async function stop(key: string): Promise<void> {
  const entry = hosted.get(key);
  if (!entry) return;
  await entry.starting;
  await entry.agent?.stop();
  entry.record.alive = false;
  entry.record.exit ??= 'stopped';
  hosted.delete(key);
}

async function handle(request: SimRequest): Promise<unknown> {
  switch (request.op) {
    case 'start':
      return start(request.vm);
    case 'stop':
      return stop(request.key);
    case 'records': {
      const keys = request.keys ? new Set(request.keys) : undefined;
      return [...hosted.values()].filter((h) => !keys || keys.has(h.record.key)).map((h) => h.record);
    }
    case 'welcomed': {
      let agents = 0;
      let welcomed = 0;
      for (const { record } of hosted.values()) {
        if (!record.key.startsWith(request.keyPrefix)) continue;
        agents++;
        if (record.events.some((e) => e[0] === 'welcomed' && e[3] > request.sinceMicros)) welcomed++;
      }
      return { agents, welcomed };
    }
    case 'memory':
      return { rssBytes: process.memoryUsage.rss(), agents: hosted.size };
    case 'logs':
      return logs.list();
  }
}

process.on('message', (request: SimRequest) => {
  handle(request).then(
    (result) => reply({ id: request.id, ok: true, result }),
    (err: unknown) => reply({ id: request.id, ok: false, error: (err as Error).message }),
  );
});
// The pool is this process's only reason to live.
process.on('disconnect', () => process.exit(0));
