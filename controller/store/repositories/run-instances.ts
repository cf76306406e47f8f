import { raw, type EntityManager } from '@mikro-orm/core';
import type { RunInstance, RunModel, VmLifecycle } from '../../domain/runs/types.js';
import { FINAL_STATES } from '../../../common/runs/states.js';
import { RunInstanceEntity, type RunInstanceRow } from '../entities/run-instance.js';
import { RunEntity } from '../entities/run.js';
import { chunksOf, JSON_ROWS_PER_STATEMENT, KEYS_PER_QUERY, ROWS_PER_INSERT } from './chunks.js';
import { instanceColumnUpdateFromJson } from './json-rows-sql.js';
import { executeBound, isPostgres, sqlOf } from './raw-sql.js';
import { timeOrderedUuid } from './time-ordered-id.js';

/** What a launch or a scale-out knows of a new instance. */
export interface NewInstance {
  name: string;
  node: string;
  index: number;
  cloud: string;
}

/** A new instance's row: pending, no VM, no tokens. */
export function newInstanceRow(runId: string, instance: NewInstance, now: Date): RunInstanceRow {
  return {
    id: timeOrderedUuid(),
    run: runId,
    name: instance.name,
    node: instance.node,
    index: instance.index,
    cloud: instance.cloud,
    vm: 'pending',
    vmId: null,
    completedEpoch: 0,
    completedState: null,
    scaleState: '',
    bootstrapHash: null,
    bootstrapExpiresAt: null,
    bootstrapUsedAt: null,
    credentialHash: null,
    lastError: null,
    createdAt: now,
    vmStartedAt: null,
    vmStoppedAt: null,
  };
}

/**
 * The usage clock of a VM whose lifecycle moved from `from` to `to` at `now`:
 * it starts when the VM turns running and stops when it leaves running
 * (destroyed, or lost). Written in the same commit as the move, so that a
 * controller killed and restarted neither loses nor repeats an interval.
 */
export function vmClock(from: VmLifecycle, to: VmLifecycle, now: Date): Partial<Pick<RunInstanceRow, 'vmStartedAt' | 'vmStoppedAt'>> {
  if (from !== 'running' && to === 'running') return { vmStartedAt: now };
  if (from === 'running' && to !== 'running') return { vmStoppedAt: now };
  return {};
}

/** The columns of an instance a transition changes: its VM's lifecycle and clock, its progress through the states. */
export type InstanceProgress = Pick<RunInstanceRow, 'vm' | 'completedEpoch' | 'completedState' | 'scaleState'> & Partial<Pick<RunInstanceRow, 'vmStartedAt' | 'vmStoppedAt'>>;

/** The instances a transition added or changed, with their new columns, in the run's order. */
export function instanceChanges(before: RunModel, after: RunModel, now: Date): { instance: RunInstance; added: boolean; values: InstanceProgress }[] {
  const changes: { instance: RunInstance; added: boolean; values: InstanceProgress }[] = [];
  // A transition keeps the instances in order and only appends: the same position holds the same instance.
  for (const [at, instance] of after.instances.entries()) {
    const old = before.instances[at];
    if (old && old.name !== instance.name) throw new Error(`instance ${instance.name} moved in the run's list (was ${old.name} at ${at})`);
    // The state machine copies an instance only to change it.
    if (old === instance) continue;
    if (old && old.vm === instance.vm && old.completedEpoch === instance.completedEpoch && old.completedState === instance.completedState && old.scaleState === instance.scaleState) {
      continue;
    }
    const values: InstanceProgress = {
      vm: instance.vm,
      completedEpoch: instance.completedEpoch,
      completedState: instance.completedState ?? null,
      scaleState: instance.scaleState,
      ...vmClock(old?.vm ?? 'pending', instance.vm, now),
    };
    changes.push({ instance, added: !old, values });
  }
  return changes;
}

/**
 * A run's instances: their VMs and the state machine's progress of each.
 * Most reads and writes take plain rows and bulk statements, not managed
 * entities: a run may have 10,000 instances. Their agents' tokens are
 * AgentLoginRepository's.
 */
export class RunInstanceRepository {
  constructor(private readonly em: EntityManager) {}

  /** Stages a new instance row (flushed with the unit of work). */
  add(runId: string, instance: NewInstance, now = new Date()): RunInstanceRow {
    return this.em.create(RunInstanceEntity, newInstanceRow(runId, instance, now));
  }

  /**
   * The run's instances by node and index, as plain rows: a run may have
   * 10,000, and managed entities cost 0.5-1.3 s to load at that size against
   * 0.1-0.2 s (a controller restart loads every live run).
   */
  ofRun(runId: string): Promise<RunInstanceRow[]> {
    return sqlOf(this.em).createQueryBuilder(RunInstanceEntity).select('*').where({ run: runId }).orderBy({ node: 'asc', index: 'asc' }).execute<RunInstanceRow[]>('all');
  }

  find(runId: string, name: string): Promise<RunInstanceRow | null> {
    return this.em.findOne(RunInstanceEntity, { run: runId, name });
  }

  /** The run's instances with these names, as plain rows (see ofRun). */
  async byName(runId: string, names: readonly string[]): Promise<RunInstanceRow[]> {
    const rows: RunInstanceRow[] = [];
    for (const chunk of chunksOf(names, KEYS_PER_QUERY)) {
      rows.push(...(await sqlOf(this.em).createQueryBuilder(RunInstanceEntity).select('*').where({ run: runId, name: { $in: chunk } }).execute<RunInstanceRow[]>('all')));
    }
    return rows;
  }

  /**
   * Writes the state machine's decisions about instances back without
   * loading their rows: each changed instance grouped by its new values (a
   * batch of a thousand completions is one UPDATE), new instances staged as
   * rows. `before` is the model the decisions were made from; the run row's
   * own fields go through RunRepository.advanceRun.
   */
  async applyChanges(runId: string, before: RunModel, after: RunModel, now: Date): Promise<void> {
    const groups = new Map<string, { values: InstanceProgress; names: string[] }>();
    for (const { instance, added, values } of instanceChanges(before, after, now)) {
      if (added) {
        Object.assign(this.add(runId, instance, now), values);
        continue;
      }
      const key = JSON.stringify(values);
      const group = groups.get(key) ?? { values, names: [] as string[] };
      group.names.push(instance.name);
      groups.set(key, group);
    }
    for (const { values, names } of groups.values()) {
      for (const chunk of chunksOf(names, KEYS_PER_QUERY)) await this.em.nativeUpdate(RunInstanceEntity, { run: runId, name: { $in: chunk } }, values);
    }
  }

  /** Records the cloud ids of VMs (one batched update). */
  async setVmIds(runId: string, vmIds: readonly (readonly [instance: string, vmId: string])[]): Promise<void> {
    await this.setColumn(runId, 'vmId', new Map(vmIds), {});
  }

  /**
   * Sets a string column of many instances, each to its own value, in bulk
   * (one UPDATE per chunk); `extra` sets the same values on all of them.
   */
  async setColumn(
    runId: string,
    property: 'bootstrapHash' | 'credentialHash' | 'vmId',
    values: ReadonlyMap<string, string>,
    extra: Partial<Pick<RunInstanceRow, 'bootstrapExpiresAt' | 'bootstrapUsedAt'>>,
  ): Promise<void> {
    const entries = [...values];
    if (isPostgres(this.em)) {
      const same = Object.entries(extra).filter(([, value]) => value !== undefined) as [keyof typeof extra, Date | null][];
      const statement = instanceColumnUpdateFromJson(property, same.map(([p]) => p));
      const rows = entries.map(([name, value]) => ({ name, value }));
      for (const chunk of chunksOf(rows, JSON_ROWS_PER_STATEMENT)) {
        await executeBound(this.em, statement, [...same.map(([, value]) => value), runId, JSON.stringify(chunk), chunk.length]);
      }
      return;
    }
    for (const chunk of chunksOf(entries, ROWS_PER_INSERT)) {
      const cases = raw(`case name ${chunk.map(() => 'when ? then ?').join(' ')} end`, chunk.flat());
      await sqlOf(this.em)
        .createQueryBuilder(RunInstanceEntity)
        .update({ [property]: cases, ...extra })
        .where({ run: runId, name: { $in: chunk.map(([name]) => name) } })
        .execute('run');
    }
  }

  /** Every (tenant, cloud) with instances of live runs or of runs finished since `since`. */
  async recentTenantClouds(since: Date): Promise<{ tenantId: string; cloud: string }[]> {
    const runs = await this.em.find(
      RunEntity,
      { $or: [{ finishedAt: null }, { finishedAt: { $gte: since } }] },
      { fields: ['id', 'tenant'] },
    );
    const tenantOf = new Map(runs.map((r) => [r.id, r.tenant]));
    const instances = runs.length ? await this.em.find(RunInstanceEntity, { run: { $in: [...tenantOf.keys()] } }, { fields: ['run', 'cloud'] }) : [];
    const pairs = new Map<string, { tenantId: string; cloud: string }>();
    for (const i of instances) pairs.set(`${tenantOf.get(i.run)}/${i.cloud}`, { tenantId: tenantOf.get(i.run)!, cloud: i.cloud });
    return [...pairs.values()];
  }

  /** Instances of the tenant's live runs on a cloud that should have a running VM. */
  async runningOn(tenantId: string, cloud: string): Promise<{ runId: string; name: string; vmId: string }[]> {
    const runs = await this.em.find(RunEntity, { tenant: tenantId, state: { $nin: [...FINAL_STATES, 'Finalizing'] } }, { fields: ['id'] });
    if (runs.length === 0) return [];
    const rows = await this.em.find(RunInstanceEntity, { run: { $in: runs.map((r) => r.id) }, cloud, vm: 'running', vmId: { $ne: null } });
    return rows.filter((r) => r.scaleState !== 'removed').map((r) => ({ runId: r.run, name: r.name, vmId: r.vmId! }));
  }
}
