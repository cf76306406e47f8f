import { randomUUID } from 'node:crypto';
import { raw, type EntityManager, type FilterQuery } from '@mikro-orm/core';
import type { CredentialCipher } from '../../auth/credential-cipher.js';
import type { ResolvedPlan } from '../../../common/modules/types.js';
import { FINAL_STATES, type KeepRunning, type RunState } from '../../../common/runs/states.js';
import type { ParameterSeed } from '../../domain/runs/parameter-plan.js';
import type { RunKind } from '../../../common/runs/run-kinds.js';
import type { RunModel, RunNodeInfo } from '../../domain/runs/types.js';
import { RunInstanceEntity, type RunInstanceRow } from '../entities/run-instance.js';
import { RunParameterEntity, type RunParameterRow } from '../entities/run-parameter.js';
import { RunTagEntity } from '../entities/run-tag.js';
import { RunEntity, type RunRow } from '../entities/run.js';
import { openPlan, sealPlan } from '../sealed-values.js';
import { chunksOf, JSON_ROWS_PER_STATEMENT, ROWS_PER_INSERT } from './chunks.js';
import { isUuid } from './ids.js';
import { INSTANCE_INSERT_FROM_JSON, PARAMETER_INSERT_FROM_JSON } from './json-rows-sql.js';
import { decodePageToken, encodePageToken, pageSize } from './paging.js';
import type { ParameterSealing } from './parameter-sealing.js';
import { executeBound, isPostgres } from './raw-sql.js';
import { newInstanceRow, type NewInstance, type RunInstanceRepository } from './run-instances.js';
import { runChanges, toRunModel } from './run-model.js';
import { advanceSequence } from './run-sequence.js';

export interface NewRun {
  /** Default: a deployment. */
  kind?: RunKind;
  tenantId: string;
  owner: string;
  plan: ResolvedPlan;
  keepRunning: KeepRunning;
  scalable: boolean;
  timeoutMinutes: number;
  defaultCloud: string;
  tags: string[];
  sshKeys: string[];
  requestId: string | null;
  /** `name@N` of the deployment template it was launched from. */
  template?: string | null;
  nodes: RunNodeInfo[];
  instances: NewInstance[];
  parameters: ParameterSeed[];
  /** The replica that will drive it, its first lease epoch and its host binding; default: none yet, 0, none. */
  lease?: { holder: string; epoch: number; binding: string | null };
}

export interface RunFilter {
  states?: RunState[];
  tag?: string;
  modulePrefix?: string;
}

/** A run with its instances, as loaded for one unit of work. */
export interface LoadedRun {
  row: RunRow;
  instances: RunInstanceRow[];
  model: RunModel;
}

/**
 * Runs: the run row (its state, plan, clocks and journal sequence) and its
 * tags; scoped by run id (callers check the tenant). A launch writes the
 * run's instances and parameters with it. The plan's password defaults are
 * stored sealed under the credential key, bound to the run; readers get
 * plaintext back.
 */
export class RunRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly cipher: CredentialCipher,
    private readonly sealing: ParameterSealing,
    private readonly instances: RunInstanceRepository,
  ) {}

  /** Inserts a run in Initializing with its instances, tags and parameters. */
  async create(input: NewRun): Promise<RunRow> {
    const now = new Date();
    const id = randomUUID();
    const run = this.em.create(RunEntity, {
      id,
      tenant: input.tenantId,
      owner: input.owner,
      modulePath: input.plan.module.path,
      moduleVersion: input.plan.module.version,
      kind: input.plan.kind,
      runKind: input.kind ?? 'deployment',
      plan: JSON.stringify(sealPlan(this.cipher, id, input.plan)),
      state: 'Initializing',
      epoch: 0,
      abortMessage: null,
      abortedAt: null,
      recoveryMode: false,
      keepRunning: input.keepRunning,
      scalable: input.scalable,
      timeoutMinutes: input.timeoutMinutes,
      defaultCloud: input.defaultCloud,
      sshKeys: JSON.stringify(input.sshKeys),
      nodes: JSON.stringify(input.nodes),
      scale: null,
      finalState: null,
      requestId: input.requestId,
      template: input.template ?? null,
      lastSequence: 0,
      leaseHolder: input.lease?.holder ?? null,
      leaseEpoch: input.lease?.epoch ?? 0,
      leaseBinding: input.lease?.binding ?? null,
      createdAt: now,
      stateChangedAt: now,
      finishedAt: null,
    });
    for (const tag of input.tags) this.em.create(RunTagEntity, { id: randomUUID(), run: run.id, tag });
    await this.em.flush();
    // Plain bulk inserts: a run of 10,000 instances has over 100,000 parameters, too many to manage as entities.
    const instances: RunInstanceRow[] = input.instances.map((instance) => newInstanceRow(run.id, instance, now));
    const parameters: RunParameterRow[] = input.parameters.map((seed) => this.sealing.newRow(run.id, seed, now));
    if (isPostgres(this.em)) await this.insertFromJson(run.id, instances, parameters, now);
    else {
      for (const chunk of chunksOf(instances, ROWS_PER_INSERT)) await this.em.insertMany(RunInstanceEntity, chunk);
      for (const chunk of chunksOf(parameters, ROWS_PER_INSERT)) await this.em.insertMany(RunParameterEntity, chunk);
    }
    return run;
  }

  /** create's inserts on PostgreSQL: JSON_ROWS_PER_STATEMENT rows a statement, each chunk one JSON value. */
  private async insertFromJson(runId: string, instances: readonly RunInstanceRow[], parameters: readonly RunParameterRow[], now: Date): Promise<void> {
    for (const chunk of chunksOf(instances, JSON_ROWS_PER_STATEMENT)) await executeBound(this.em, INSTANCE_INSERT_FROM_JSON, [JSON.stringify(chunk)]);
    for (const chunk of chunksOf(parameters, JSON_ROWS_PER_STATEMENT)) {
      const rows = chunk.map(({ id, key, value, secret, description }) => ({ id, key, value, secret, description }));
      await executeBound(this.em, PARAMETER_INSERT_FROM_JSON, [runId, now, JSON.stringify(rows)]);
    }
  }

  /** The run's plan as launched (password defaults opened). */
  plan(row: RunRow): ResolvedPlan {
    return openPlan(this.cipher, row.id, JSON.parse(row.plan) as ResolvedPlan);
  }

  findById(id: string): Promise<RunRow | null> {
    return isUuid(id) ? this.em.findOne(RunEntity, { id }) : Promise.resolve(null);
  }

  /** The tenant's run with this id, or null (other tenants' runs look missing). */
  findForTenant(tenantId: string, id: string): Promise<RunRow | null> {
    return isUuid(id) ? this.em.findOne(RunEntity, { id, tenant: tenantId }) : Promise.resolve(null);
  }

  findByRequestId(tenantId: string, requestId: string): Promise<RunRow | null> {
    return this.em.findOne(RunEntity, { tenant: tenantId, requestId });
  }

  /** The run and its instances, for the state machine. */
  async load(runId: string): Promise<LoadedRun | undefined> {
    const row = await this.findById(runId);
    if (!row) return undefined;
    const instances = await this.instances.ofRun(runId);
    return { row, instances, model: toRunModel(row, instances) };
  }

  /**
   * Writes the run row's part of a commit without loading the row: the
   * fields the state machine changed from `before` to `after`, and `journal`
   * more journal sequence numbers. One UPDATE, which also holds the row's
   * lock to the end of the transaction. Returns the last sequence number
   * before the new ones, or undefined when the run is gone.
   */
  async advanceRun(runId: string, leaseEpoch: number, before: RunModel, after: RunModel, journal: number, now: Date): Promise<number | undefined> {
    return advanceSequence(this.em, runId, leaseEpoch, journal, runChanges(before, after, now));
  }

  /** A page of the tenant's runs, newest first. */
  async list(tenantId: string, filter: RunFilter, size: number, token: string): Promise<{ rows: RunRow[]; next: string }> {
    const limit = pageSize(size);
    const after = decodePageToken(token);
    const where: FilterQuery<RunRow>[] = [{ tenant: tenantId }];
    if (filter.states?.length) where.push({ state: { $in: filter.states } });
    if (filter.modulePrefix) {
      const folder = `${filter.modulePrefix}/`;
      where.push({ $or: [{ modulePath: filter.modulePrefix }, { [raw('substr(module_path, 1, ?)', [folder.length])]: folder }] });
    }
    if (filter.tag) {
      const tagged = await this.em.find(RunTagEntity, { tag: filter.tag }, { fields: ['run'] });
      where.push({ id: { $in: tagged.map((t) => t.run) } });
    }
    if (after !== undefined) {
      const [time, id] = after.split('|');
      const at = new Date(Number(time));
      where.push({ $or: [{ createdAt: { $lt: at } }, { createdAt: at, id: { $gt: id! } }] });
    }
    const rows = await this.em.find(RunEntity, { $and: where }, { orderBy: { createdAt: 'desc', id: 'asc' }, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { rows: page, next: rows.length > limit && last ? encodePageToken(`${last.createdAt.getTime()}|${last.id}`) : '' };
  }

  /** The tags of each of these runs, in order. */
  async tags(runIds: readonly string[]): Promise<Map<string, string[]>> {
    const rows = runIds.length ? await this.em.find(RunTagEntity, { run: { $in: [...runIds] } }, { orderBy: { tag: 'asc' } }) : [];
    const out = new Map<string, string[]>();
    for (const row of rows) out.set(row.run, [...(out.get(row.run) ?? []), row.tag]);
    return out;
  }

  /** The clocks of every live run, for the timeout check (one cheap query). */
  async liveRunClocks(): Promise<{ id: string; state: RunState; stateChangedAt: Date; abortedAt: Date | null; timeoutMinutes: number }[]> {
    const rows = await this.em.find(
      RunEntity,
      { state: { $nin: [...FINAL_STATES] } },
      { fields: ['id', 'state', 'stateChangedAt', 'abortedAt', 'timeoutMinutes'] },
    );
    return rows.map((r) => ({ id: r.id, state: r.state as RunState, stateChangedAt: r.stateChangedAt, abortedAt: r.abortedAt ?? null, timeoutMinutes: r.timeoutMinutes }));
  }
}
