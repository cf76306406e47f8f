import type * as pb from '../../../proto/gen/slipstream/v1/runs.js';
import type { AgentHub } from '../../scheduler/agent-hub.js';
import type { RunRow } from '../../store/entities/run.js';
import type { Repositories } from '../../store/repositories/index.js';
import { runToProto, type InstanceFacts } from '../convert/runs.js';
import { runWarnings, WARNING_EVENT_TYPES, WARNING_EVENTS_READ } from '../../domain/runs/run-warnings.js';

/** What runView leaves out. */
export interface RunViewOptions {
  /** No warnings: a listing would read each run's journal (runs.proto says ListRuns leaves them empty). */
  withoutWarnings?: boolean;
}

/** The full Run message of a run: model, tags, per-instance facts from its parameters, and its warnings from its events. */
export async function runView(repos: Repositories, hub: AgentHub, row: RunRow, opts: RunViewOptions = {}): Promise<pb.Run> {
  const loaded = await repos.runs.load(row.id);
  const tags = (await repos.runs.tags([row.id])).get(row.id) ?? [];
  // Only the facts shown, as plain rows: a run of 10,000 instances has over 100,000 parameters.
  const keys = loaded!.instances.flatMap((i) => ['statecustom', 'ip', 'hostname'].map((fact) => `${i.name}:${fact}`));
  const params = new Map((await repos.parameters.values(row.id, keys)).map((p) => [p.key, p.value]));
  const value = (key: string) => params.get(key) ?? undefined;
  const facts = new Map<string, InstanceFacts>();
  for (const instance of loaded!.instances) {
    facts.set(instance.name, {
      vmId: instance.vmId,
      stateCustom: value(`${instance.name}:statecustom`) ?? '',
      ip: value(`${instance.name}:ip`) ?? '',
      hostname: value(`${instance.name}:hostname`) ?? '',
      connected: hub.isConnected(row.id, instance.name),
    });
  }
  const warnings = opts.withoutWarnings ? [] : runWarnings(await repos.journal.eventTexts(row.id, WARNING_EVENT_TYPES, WARNING_EVENTS_READ + 1));
  return runToProto(loaded!.row, loaded!.model, tags, facts, warnings);
}
