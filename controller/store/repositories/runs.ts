import { randomUUID } from 'node:crypto';
import { raw, type EntityManager, type FilterQuery } from '@mikro-orm/core';
import { PostgreSqlPlatform, type AbstractSqlConnection, type Knex, type SqlEntityManager } from '@mikro-orm/postgresql';
import type { CredentialCipher } from '../../auth/credential-cipher.js';
import type { ResolvedPlan } from '../../../common/modules/types.js';
import { isFinal } from '../../../common/runs/states.js';
import type { ParameterSeed } from '../../domain/runs/parameter-plan.js';
import type { RunInstance, RunModel, RunNodeInfo, ScaleOperation, ScaleState, VmLifecycle } from '../../domain/runs/types.js';
import type { FinalState, KeepRunning, RunState } from '../../../common/runs/states.js';
import { RunInstanceEntity, type RunInstanceRow } from '../entities/run-instance.js';
import { RunJournalEntity, type RunJournalRow } from '../entities/run-journal.js';
import type { PreparedStatements } from '../prepared-statements.js';
import { RunParameterEntity, type RunParameterRow } from '../entities/run-parameter.js';
import { RunReportEntity, type RunReportRow } from '../entities/run-report.js';
import { RunTagEntity } from '../entities/run-tag.js';
import { RunEntity, type RunRow } from '../entities/run.js';
import { openPlan, openStored, parameterContext, sealPlan } from '../sealed-values.js';
import { chunksOf } from './chunks.js';
import { isUuid } from './ids.js';
import { timeOrderedUuid } from './time-ordered-id.js';
import {
  INSTANCE_INSERT_FROM_JSON,
  instanceColumnUpdateFromJson,
  JOURNAL_INSERT_FROM_JSON,
  PARAMETER_INSERT_FROM_JSON,
  PARAMETER_UPDATE_FROM_JSON,
} from './runs-json-sql.js';
import { decodePageToken, encodePageToken, pageSize } from './paging.js';
import { FINAL_STATES } from '../../../common/runs/states.js';

export interface NewRun {
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
  nodes: RunNodeInfo[];
  instances: { name: string; node: string; index: number; cloud: string }[];
  parameters: ParameterSeed[];
}

const KEYS_PER_QUERY = 5_000;
/** Rows per bulk statement: SQLite allows 32,766 bound values in one. */
const ROWS_PER_INSERT = 1_000;
/** Rows per statement that takes them as one JSON value (PostgreSQL): about 1.3 MB of parameters. */
const JSON_ROWS_PER_STATEMENT = 10_000;

/** `?, ?, ?` for a list of n values. */
function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

/** An instance as an enrolling or authenticating agent needs it (instanceLogins). */
export interface InstanceLogin {
  id: string;
  run: string;
  name: string;
  node: string;
  index: number;
  bootstrapHash: string | null;
  bootstrapExpiresAt: Date | null;
  bootstrapUsedAt: Date | null;
  credentialHash: string | null;
  runState: RunState;
  tenantId: string;
}

/** A datetime column read without hydration (SQLite gives numbers or strings). */
function toDate(value: Date | string | number | null | undefined): Date | null {
  return value === null || value === undefined ? null : value instanceof Date ? value : new Date(value);
}

/** One entry to journal; the sequence is assigned on append. */
export interface JournalEntry {
  kind: 'event' | 'parameter' | 'log';
  type: string;
  actor?: string;
  instance?: string;
  subject?: string;
  text: string;
  time?: Date;
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

function toInstance(row: RunInstanceRow): RunInstance {
  return {
    name: row.name,
    node: row.node,
    index: row.index,
    cloud: row.cloud,
    vm: row.vm as VmLifecycle,
    completedEpoch: row.completedEpoch,
    completedState: (row.completedState ?? undefined) as RunState | undefined,
    scaleState: row.scaleState as ScaleState,
  };
}

/** The state machine's view of a stored run. */
export function toRunModel(row: RunRow, instances: RunInstanceRow[]): RunModel {
  return {
    state: row.state as RunState,
    epoch: row.epoch,
    abortMessage: row.abortMessage ?? undefined,
    recoveryMode: row.recoveryMode,
    keepRunning: row.keepRunning as KeepRunning,
    scalable: row.scalable,
    timeoutMinutes: row.timeoutMinutes,
    stateChangedAt: row.stateChangedAt,
    abortedAt: row.abortedAt ?? undefined,
    finalState: (row.finalState ?? undefined) as FinalState | undefined,
    nodes: JSON.parse(row.nodes) as RunNodeInfo[],
    instances: instances.map(toInstance).sort((a, b) => a.node.localeCompare(b.node) || a.index - b.index),
    scale: row.scale ? (JSON.parse(row.scale) as ScaleOperation) : undefined,
  };
}

function newInstanceRow(runId: string, instance: { name: string; node: string; index: number; cloud: string }, now: Date): RunInstanceRow {
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
  };
}

/**
 * commitParameterSets as one statement: $1 run id, $2 number of journal
 * entries, $3 time of the change, $4 the keys and $6 their values, $5 the
 * entries numbered from 1. Nothing is written when the run row is missing.
 *
 * Each key finds its row through a subquery on (run_id, key), which the
 * planner always answers with one probe of the unique index. Joined instead,
 * the planner sizes the run from the table's statistics, which lag behind a
 * run whose thousands of parameters were just inserted: it then hashed every
 * parameter of the run for each batch (1.7-3.4 ms for two keys of a
 * 10,000-parameter run, 0.7 ms this way).
 */
export const COMMIT_PARAMETER_SETS = `
  with run as (
    update runs set last_sequence = last_sequence + $2 where id = $1 returning last_sequence - $2 as base
  ), target as (
    select (select id from run_parameters where run_id = $1 and "key" = v."key") as id, v."value"
    from unnest($4::text[], $6::text[]) as v("key", "value")
  ), parameter as (
    update run_parameters p set "value" = target."value", updated_at = $3
    from run, target
    where p.id = target.id
    returning 1
  ), journal as (
    insert into run_journal (id, run_id, sequence, "time", kind, "type", actor, instance, subject, "text")
    select j.id, $1, run.base + j.n, j."time", j.kind, j."type", j.actor, j.instance, j.subject, j."text"
    from run, jsonb_to_recordset($5::jsonb)
      as j(id uuid, n int, "time" timestamptz, kind text, "type" text, actor text, instance text, subject text, "text" text)
    returning 1
  )
  select base from run`;

/** instanceLogins on PostgreSQL: one prepared join per column (the column name is not a parameter). */
const instanceLoginsBy = (column: 'bootstrap_hash' | 'credential_hash') => `
  select i.id, i.run_id as run, i.name, i.node, i."index", i.bootstrap_hash as "bootstrapHash",
    i.bootstrap_expires_at as "bootstrapExpiresAt", i.bootstrap_used_at as "bootstrapUsedAt",
    i.credential_hash as "credentialHash", r.state as "runState", r.tenant_id as "tenantId"
  from run_instances i join runs r on r.id = i.run_id
  where i.${column} = any($1::text[])`;
const INSTANCE_LOGINS = { bootstrapHash: instanceLoginsBy('bootstrap_hash'), credentialHash: instanceLoginsBy('credential_hash') };

/** storeCredentials on PostgreSQL: each instance's credential hash, in one prepared statement (its row found as in COMMIT_PARAMETER_SETS). */
export const STORE_CREDENTIALS = `
  update run_instances i set credential_hash = v.hash, bootstrap_used_at = $2
  from (
    select (select id from run_instances where run_id = $1 and name = u.name) as id, u.hash
    from unnest($3::text[], $4::text[]) as u(name, hash)
  ) as v
  where i.id = v.id`;

/** expireBootstrapTokens on PostgreSQL. */
const EXPIRE_BOOTSTRAP_TOKENS = `update run_instances set bootstrap_expires_at = $1 where id = any($2::uuid[])`;

/** Journal rows for entries numbered after `lastSequence`. */
function journalRows(runId: string, lastSequence: number, entries: readonly JournalEntry[]): RunJournalRow[] {
  const now = new Date();
  return entries.map(
    (e, i): RunJournalRow => ({
      id: timeOrderedUuid(),
      run: runId,
      sequence: lastSequence + i + 1,
      time: e.time ?? now,
      kind: e.kind,
      type: e.type,
      actor: e.actor ?? '',
      instance: e.instance ?? '',
      subject: e.subject ?? '',
      text: e.text,
    }),
  );
}

/** The run row's columns the state machine owns, by property, as they are stored. */
function runColumns(model: RunModel): Partial<RunRow> {
  return {
    state: model.state,
    epoch: model.epoch,
    abortMessage: model.abortMessage ?? null,
    abortedAt: model.abortedAt ?? null,
    recoveryMode: model.recoveryMode,
    stateChangedAt: model.stateChangedAt,
    finalState: model.finalState ?? null,
    nodes: JSON.stringify(model.nodes),
    scale: model.scale ? JSON.stringify(model.scale) : null,
  };
}

function sameColumn(a: unknown, b: unknown): boolean {
  return a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;
}

/**
 * Runs, their instances, parameters, journal and reports; scoped by run id
 * (callers check the tenant). Password values (secret parameters, password
 * defaults in the plan) are stored sealed under the credential key, each
 * bound to its run and key; readers get plaintext back.
 */
export class RunRepository {
  private readonly stagedJournal: RunJournalRow[] = [];

  constructor(
    private readonly em: EntityManager,
    private readonly cipher: CredentialCipher,
    private readonly prepared?: PreparedStatements,
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
      lastSequence: 0,
      createdAt: now,
      stateChangedAt: now,
      finishedAt: null,
    });
    for (const tag of input.tags) this.em.create(RunTagEntity, { id: randomUUID(), run: run.id, tag });
    await this.em.flush();
    // Plain bulk inserts: a run of 10,000 instances has over 100,000 parameters, too many to manage as entities.
    const instances: RunInstanceRow[] = input.instances.map((instance) => newInstanceRow(run.id, instance, now));
    const parameters: RunParameterRow[] = input.parameters.map((seed) => this.newParameterRow(run.id, seed, now));
    if (this.postgres) await this.insertFromJson(run.id, instances, parameters, now);
    else {
      for (const chunk of chunksOf(instances, ROWS_PER_INSERT)) await this.em.insertMany(RunInstanceEntity, chunk);
      for (const chunk of chunksOf(parameters, ROWS_PER_INSERT)) await this.em.insertMany(RunParameterEntity, chunk);
    }
    return run;
  }

  /** create's inserts on PostgreSQL: JSON_ROWS_PER_STATEMENT rows a statement, each chunk one JSON value. */
  private async insertFromJson(runId: string, instances: readonly RunInstanceRow[], parameters: readonly RunParameterRow[], now: Date): Promise<void> {
    for (const chunk of chunksOf(instances, JSON_ROWS_PER_STATEMENT)) await this.executeBound(INSTANCE_INSERT_FROM_JSON, [JSON.stringify(chunk)]);
    for (const chunk of chunksOf(parameters, JSON_ROWS_PER_STATEMENT)) {
      const rows = chunk.map(({ id, key, value, secret, description }) => ({ id, key, value, secret, description }));
      await this.executeBound(PARAMETER_INSERT_FROM_JSON, [runId, now, JSON.stringify(rows)]);
    }
  }

  /** Stages a new instance row (flushed with the unit of work). */
  addInstance(runId: string, instance: { name: string; node: string; index: number; cloud: string }, now = new Date()): RunInstanceRow {
    return this.em.create(RunInstanceEntity, newInstanceRow(runId, instance, now));
  }

  /** Stages parameter rows. */
  addParameters(runId: string, seeds: readonly ParameterSeed[], now = new Date()): void {
    for (const seed of seeds) this.em.create(RunParameterEntity, this.newParameterRow(runId, seed, now));
  }

  private newParameterRow(runId: string, seed: ParameterSeed, now: Date): RunParameterRow {
    const value = seed.secret && seed.value !== null ? this.cipher.seal(seed.value, parameterContext(runId, seed.key)) : seed.value;
    return { id: timeOrderedUuid(), run: runId, key: seed.key, value, secret: seed.secret, description: seed.description, updatedAt: now };
  }

  /** The run's plan as launched (password defaults opened). */
  plan(row: RunRow): ResolvedPlan {
    return openPlan(this.cipher, row.id, JSON.parse(row.plan) as ResolvedPlan);
  }

  /** `values` as stored: those of `secretKeys` sealed for their run and key, the others as they are. */
  private storedValues(runId: string, values: ReadonlyMap<string, string>, secretKeys: ReadonlySet<string>): ReadonlyMap<string, string> {
    if (secretKeys.size === 0) return values;
    const stored = new Map(values);
    for (const key of secretKeys) {
      const value = values.get(key);
      if (value !== undefined) stored.set(key, this.cipher.seal(value, parameterContext(runId, key)));
    }
    return stored;
  }

  /** A stored parameter value as readers see it: a secret one opened. */
  private readValue(runId: string, key: string, value: string | null, secret: boolean): string | null {
    return secret && value !== null ? openStored(this.cipher, value, parameterContext(runId, key)) : value;
  }

  /** A parameter row with its value readable; a secret one is a copy, so the managed row keeps its stored value. */
  private readRow(row: RunParameterRow): RunParameterRow {
    return row.secret && typeof row.value === 'string' ? { ...row, value: this.readValue(row.run, row.key, row.value, true) } : row;
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
    const instances = await this.instances(runId);
    return { row, instances, model: toRunModel(row, instances) };
  }

  /**
   * The run's instances by node and index, as plain rows: a run may have
   * 10,000, and managed entities cost 0.5-1.3 s to load at that size against
   * 0.1-0.2 s (a controller restart loads every live run).
   */
  instances(runId: string): Promise<RunInstanceRow[]> {
    return this.sql.createQueryBuilder(RunInstanceEntity).select('*').where({ run: runId }).orderBy({ node: 'asc', index: 'asc' }).execute<RunInstanceRow[]>('all');
  }

  findInstance(runId: string, name: string): Promise<RunInstanceRow | null> {
    return this.em.findOne(RunInstanceEntity, { run: runId, name });
  }

  /** The run's instances with these names, as plain rows (see instances). */
  async instancesByName(runId: string, names: readonly string[]): Promise<RunInstanceRow[]> {
    const rows: RunInstanceRow[] = [];
    for (const chunk of chunksOf(names, KEYS_PER_QUERY)) {
      rows.push(...(await this.sql.createQueryBuilder(RunInstanceEntity).select('*').where({ run: runId, name: { $in: chunk } }).execute<RunInstanceRow[]>('all')));
    }
    return rows;
  }

  /**
   * What an agent's login needs of the instances whose bootstrap or
   * credential hash is one of `hashes`, and of their runs: plain rows, not
   * entities (thousands of agents log in at once).
   */
  async instanceLogins(column: 'bootstrapHash' | 'credentialHash', hashes: readonly string[]): Promise<InstanceLogin[]> {
    // A controller restart brings thousands of logins in small batches: on PostgreSQL each is one prepared statement, not two built queries.
    if (this.prepared) return this.prepared.query<InstanceLogin>(`instance-logins-${column}`, INSTANCE_LOGINS[column], [hashes]);
    const logins: InstanceLogin[] = [];
    for (const chunk of chunksOf(hashes, KEYS_PER_QUERY)) {
      const instances = await this.sql
        .createQueryBuilder(RunInstanceEntity)
        .select(['id', 'run', 'name', 'node', 'index', 'bootstrapHash', 'bootstrapExpiresAt', 'bootstrapUsedAt', 'credentialHash'])
        .where({ [column]: { $in: chunk } })
        .execute<Pick<RunInstanceRow, 'id' | 'run' | 'name' | 'node' | 'index' | 'bootstrapHash' | 'bootstrapExpiresAt' | 'bootstrapUsedAt' | 'credentialHash'>[]>('all');
      const runIds = [...new Set(instances.map((i) => i.run))];
      const runs = new Map(
        runIds.length === 0
          ? []
          : (
              await this.sql
                .createQueryBuilder(RunEntity)
                .select(['id', 'state', 'tenant'])
                .where({ id: { $in: runIds } })
                .execute<Pick<RunRow, 'id' | 'state' | 'tenant'>[]>('all')
            ).map((r) => [r.id, r]),
      );
      for (const i of instances) {
        const run = runs.get(i.run);
        if (!run) continue;
        logins.push({
          ...i,
          bootstrapHash: i.bootstrapHash ?? null,
          credentialHash: i.credentialHash ?? null,
          index: Number(i.index),
          bootstrapExpiresAt: toDate(i.bootstrapExpiresAt),
          bootstrapUsedAt: toDate(i.bootstrapUsedAt),
          runState: run.state as RunState,
          tenantId: run.tenant,
        });
      }
    }
    return logins;
  }

  /**
   * Writes the state machine's decisions about instances back without
   * loading their rows: each changed instance grouped by its new values (a
   * batch of a thousand completions is one UPDATE), new instances staged as
   * rows. `before` is the model the decisions were made from; the run row's
   * own fields go through advanceRun.
   */
  async applyInstanceChanges(runId: string, before: RunModel, after: RunModel, now: Date): Promise<void> {
    const groups = new Map<string, { values: Pick<RunInstanceRow, 'vm' | 'completedEpoch' | 'completedState' | 'scaleState'>; names: string[] }>();
    // A transition keeps the instances in order and only appends: the same position holds the same instance.
    for (const [at, instance] of after.instances.entries()) {
      const old = before.instances[at];
      if (old && old.name !== instance.name) throw new Error(`instance ${instance.name} moved in the run's list (was ${old.name} at ${at})`);
      // The state machine copies an instance only to change it.
      if (old === instance) continue;
      const values = { vm: instance.vm, completedEpoch: instance.completedEpoch, completedState: instance.completedState ?? null, scaleState: instance.scaleState };
      if (!old) {
        Object.assign(this.addInstance(runId, instance, now), values);
        continue;
      }
      if (old.vm === instance.vm && old.completedEpoch === instance.completedEpoch && old.completedState === instance.completedState && old.scaleState === instance.scaleState) {
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

  /**
   * Writes the run row's part of a commit without loading the row: the
   * fields the state machine changed from `before` to `after`, and `journal`
   * more journal sequence numbers. One UPDATE, which also holds the row's
   * lock to the end of the transaction. Returns the last sequence number
   * before the new ones, or undefined when the run is gone.
   */
  async advanceRun(runId: string, before: RunModel, after: RunModel, journal: number, now: Date): Promise<number | undefined> {
    const changes: Partial<RunRow> = {};
    if (after !== before) {
      const old = runColumns(before);
      for (const [column, value] of Object.entries(runColumns(after)) as [keyof RunRow, unknown][]) {
        if (!sameColumn(old[column], value)) Object.assign(changes, { [column]: value });
      }
      if (isFinal(after.state) && !isFinal(before.state)) changes.finishedAt = now;
    }
    return this.advanceSequence(runId, journal, changes);
  }

  /** Allocates `count` journal sequence numbers (and writes `changes` to the run row); the last one before them, or undefined when the run is gone. */
  private async advanceSequence(runId: string, count: number, changes: Partial<RunRow> = {}): Promise<number | undefined> {
    const rows = await this.sql
      .createQueryBuilder(RunEntity)
      .update({ ...changes, lastSequence: raw('last_sequence + ?', [count]) })
      .where({ id: runId })
      .returning(['lastSequence'])
      .execute<{ lastSequence: number }[]>('all');
    const last = rows[0]?.lastSequence;
    return last === undefined ? undefined : Number(last) - count;
  }

  /** Records the cloud ids of VMs (one batched update). */
  async setVmIds(runId: string, vmIds: readonly (readonly [instance: string, vmId: string])[]): Promise<void> {
    await this.setInstanceColumn(runId, 'vmId', new Map(vmIds), {});
  }

  /**
   * Sets a string column of many instances, each to its own value, in bulk
   * (one UPDATE per chunk); `extra` sets the same values on all of them.
   */
  async setInstanceColumn(
    runId: string,
    property: 'bootstrapHash' | 'credentialHash' | 'vmId',
    values: ReadonlyMap<string, string>,
    extra: Partial<Pick<RunInstanceRow, 'bootstrapExpiresAt' | 'bootstrapUsedAt'>>,
  ): Promise<void> {
    const entries = [...values];
    if (this.postgres) {
      const same = Object.entries(extra).filter(([, value]) => value !== undefined) as [keyof typeof extra, Date | null][];
      const statement = instanceColumnUpdateFromJson(property, same.map(([p]) => p));
      const rows = entries.map(([name, value]) => ({ name, value }));
      for (const chunk of chunksOf(rows, JSON_ROWS_PER_STATEMENT)) {
        await this.executeBound(statement, [...same.map(([, value]) => value), runId, JSON.stringify(chunk), chunk.length]);
      }
      return;
    }
    for (const chunk of chunksOf(entries, ROWS_PER_INSERT)) {
      const cases = raw(`case name ${chunk.map(() => 'when ? then ?').join(' ')} end`, chunk.flat());
      await this.sql
        .createQueryBuilder(RunInstanceEntity)
        .update({ [property]: cases, ...extra })
        .where({ run: runId, name: { $in: chunk.map(([name]) => name) } })
        .execute('run');
    }
  }

  /**
   * Stores the credential hashes of enrolled instances (by name) and marks
   * their bootstrap tokens used. With prepared statements (PostgreSQL,
   * Store.writeStatement) one statement: agents enrolling together wait on it.
   */
  async storeCredentials(runId: string, hashes: ReadonlyMap<string, string>, usedAt: Date): Promise<void> {
    if (!this.prepared) return this.setInstanceColumn(runId, 'credentialHash', hashes, { bootstrapUsedAt: usedAt });
    await this.prepared.query('store-credentials', STORE_CREDENTIALS, [runId, usedAt, [...hashes.keys()], [...hashes.values()]]);
  }

  /** Ends the life of the instances' bootstrap tokens (their agents have connected); one prepared statement on PostgreSQL. */
  async expireBootstrapTokens(instanceIds: readonly string[], now: Date): Promise<void> {
    if (this.prepared) {
      await this.prepared.query('expire-bootstrap-tokens', EXPIRE_BOOTSTRAP_TOKENS, [now, instanceIds]);
      return;
    }
    for (const chunk of chunksOf(instanceIds, KEYS_PER_QUERY)) await this.em.nativeUpdate(RunInstanceEntity, { id: { $in: chunk } }, { bootstrapExpiresAt: now });
  }

  /** Revokes every agent credential of the run (it ended). */
  async revokeCredentials(runId: string): Promise<void> {
    await this.em.nativeUpdate(RunInstanceEntity, { run: runId, credentialHash: { $ne: null } }, { credentialHash: null });
  }

  /**
   * Appends journal entries with the run's next sequence numbers; they are
   * inserted in bulk by `flush` (plain rows: a batch journals thousands, and
   * managed entities would cost the unit of work for each).
   */
  appendJournal(run: RunRow, entries: readonly JournalEntry[]): RunJournalRow[] {
    const rows = this.stageJournal(run.id, run.lastSequence, entries);
    run.lastSequence += entries.length;
    return rows;
  }

  /** Like appendJournal, for a writer that allocated the sequence numbers after `lastSequence` itself (advanceRun). */
  stageJournal(runId: string, lastSequence: number, entries: readonly JournalEntry[]): RunJournalRow[] {
    const rows = journalRows(runId, lastSequence, entries);
    this.stagedJournal.push(...rows);
    return rows;
  }

  /**
   * A commit of parameter values and journal entries alone (no state machine
   * input). With prepared statements (PostgreSQL, Store.writeStatement) it is
   * ONE statement, so that the commit an agent's set waits for is one round
   * trip: it allocates the entries' sequence numbers from the run row, writes
   * the values and inserts the entries. Otherwise, three statements for the
   * caller's transaction. The values of `secretKeys` are stored sealed.
   * Returns the journal rows, or undefined when the run is gone (nothing
   * written).
   */
  async commitParameterSets(
    runId: string,
    values: ReadonlyMap<string, string>,
    entries: readonly JournalEntry[],
    now: Date,
    secretKeys: ReadonlySet<string>,
  ): Promise<RunJournalRow[] | undefined> {
    if (!this.prepared) {
      await this.updateParameterValues(runId, values, now, secretKeys);
      const lastSequence = await this.advanceSequence(runId, entries.length);
      if (lastSequence === undefined) return undefined;
      const journal = this.stageJournal(runId, lastSequence, entries);
      await this.flush();
      return journal;
    }
    const numbered = journalRows(runId, 0, entries);
    const stored = this.storedValues(runId, values, secretKeys);
    const rows = await this.prepared.query<{ base: number }>('commit-parameter-sets', COMMIT_PARAMETER_SETS, [
      runId,
      entries.length,
      now,
      [...stored.keys()],
      JSON.stringify(numbered.map((r) => ({ ...r, n: r.sequence, time: r.time.toISOString() }))),
      [...stored.values()],
    ]);
    const base = rows[0]?.base;
    return base === undefined ? undefined : numbered.map((r) => ({ ...r, sequence: base + r.sequence }));
  }

  /** Journal entries after a sequence, oldest first. */
  journal(runId: string, after: number, kinds: JournalEntry['kind'][], limit: number, instance?: string): Promise<RunJournalRow[]> {
    return this.em.find(
      RunJournalEntity,
      { run: runId, sequence: { $gt: after }, kind: { $in: kinds }, ...(instance ? { instance } : {}) },
      { orderBy: { sequence: 'asc' }, limit },
    );
  }

  /** One parameter, its value readable (see readRow). */
  async parameter(runId: string, key: string): Promise<RunParameterRow | null> {
    const row = await this.em.findOne(RunParameterEntity, { run: runId, key });
    return row && this.readRow(row);
  }

  /** Every parameter whose key starts with the prefix (all when empty), ordered by key, values readable (see readRow). */
  async parameters(runId: string, prefix = ''): Promise<RunParameterRow[]> {
    const rows = await this.em.find(RunParameterEntity, { run: runId }, { orderBy: { key: 'asc' } });
    return (prefix === '' ? rows : rows.filter((r) => r.key.startsWith(prefix))).map((r) => this.readRow(r));
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
  async runningInstancesOn(tenantId: string, cloud: string): Promise<{ runId: string; name: string; vmId: string }[]> {
    const runs = await this.em.find(RunEntity, { tenant: tenantId, state: { $nin: [...FINAL_STATES, 'Finalizing'] } }, { fields: ['id'] });
    if (runs.length === 0) return [];
    const rows = await this.em.find(RunInstanceEntity, { run: { $in: runs.map((r) => r.id) }, cloud, vm: 'running', vmId: { $ne: null } });
    return rows.filter((r) => r.scaleState !== 'removed').map((r) => ({ runId: r.run, name: r.name, vmId: r.vmId! }));
  }

  /** Ids of runs that are not final: the ones a starting controller resumes. */
  async liveRunIds(): Promise<string[]> {
    const rows = await this.em.find(RunEntity, { state: { $nin: [...FINAL_STATES] } }, { fields: ['id'] });
    return rows.map((r) => r.id);
  }

  addReport(input: Omit<RunReportRow, 'id' | 'createdAt'>): RunReportRow {
    return this.em.create(RunReportEntity, { id: randomUUID(), createdAt: new Date(), ...input });
  }

  reports(runId: string): Promise<RunReportRow[]> {
    return this.em.find(RunReportEntity, { run: runId }, { orderBy: { instance: 'asc', name: 'asc' } });
  }

  report(runId: string, instance: string, name: string): Promise<RunReportRow | null> {
    return this.em.findOne(RunReportEntity, { run: runId, instance, name });
  }

  /** Writes the unit of work's changes: staged journal rows in bulk, then the managed entities. */
  async flush(): Promise<void> {
    const journal = this.stagedJournal.splice(0);
    if (this.postgres && journal.length > 0) {
      await this.executeBound(JOURNAL_INSERT_FROM_JSON, [JSON.stringify(journal)]);
      return this.em.flush();
    }
    for (const chunk of chunksOf(journal, ROWS_PER_INSERT)) {
      await this.execute(
        `insert into run_journal (id, run_id, sequence, "time", kind, "type", actor, instance, subject, "text") values ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        chunk.flatMap((r) => [r.id, r.run, r.sequence, this.dbDate(r.time), r.kind, r.type, r.actor, r.instance, r.subject, r.text]),
        'run',
      );
    }
    await this.em.flush();
  }

  /** Every parameter of the run: its value and whether it is a secret, by key. */
  async allParameterValues(runId: string): Promise<Map<string, { value: string | null; secret: boolean }>> {
    const rows = await this.execute<{ key: string; value: string | null; secret: boolean | number }[]>(
      `select "key", "value", secret from run_parameters where run_id = ?`,
      [runId],
      'all',
    );
    return new Map(rows.map((r) => [r.key, { value: this.readValue(runId, r.key, r.value, !!r.secret), secret: !!r.secret }]));
  }

  /** Key, value and secrecy of the run's parameters with these keys, as plain rows (no managed entities). */
  async parameterValues(runId: string, keys: readonly string[]): Promise<{ key: string; value: string | null; secret: boolean }[]> {
    const rows: { key: string; value: string | null; secret: boolean }[] = [];
    for (const chunk of chunksOf(keys, KEYS_PER_QUERY)) {
      const found = await this.execute<{ key: string; value: string | null; secret: boolean | number }[]>(
        `select "key", "value", secret from run_parameters where run_id = ? and "key" in (${placeholders(chunk.length)})`,
        [runId, ...chunk],
        'all',
      );
      rows.push(...found.map((r) => ({ key: r.key, value: this.readValue(runId, r.key, r.value, !!r.secret), secret: !!r.secret })));
    }
    return rows;
  }

  /** Sets parameter values in bulk: one UPDATE per chunk of keys, each key to its own value; those of `secretKeys` stored sealed. */
  async updateParameterValues(runId: string, values: ReadonlyMap<string, string>, now: Date, secretKeys: ReadonlySet<string>): Promise<void> {
    const entries = [...this.storedValues(runId, values, secretKeys)];
    if (this.postgres) {
      if (entries.length > 0) await this.executeBound(PARAMETER_UPDATE_FROM_JSON, [now, runId, JSON.stringify(entries.map(([key, value]) => ({ key, value }))), entries.length]);
      return;
    }
    for (const chunk of chunksOf(entries, ROWS_PER_INSERT)) {
      await this.execute(
        `update run_parameters set "value" = case "key" ${chunk.map(() => 'when ? then ?').join(' ')} end, updated_at = ? where run_id = ? and "key" in (${placeholders(chunk.length)})`,
        [...chunk.flat(), this.dbDate(now), runId, ...chunk.map(([key]) => key)],
        'run',
      );
    }
  }

  private get sql(): SqlEntityManager {
    return this.em as unknown as SqlEntityManager;
  }

  private get postgres(): boolean {
    return this.em.getPlatform() instanceof PostgreSqlPlatform;
  }

  /** Hand-written SQL in this unit of work: the hot paths skip the query builder, which costs about 0.4 ms a query. */
  private execute<T>(sql: string, params: readonly unknown[], method: 'all' | 'run'): Promise<T> {
    return this.em.getConnection().execute(sql, [...params], method, this.em.getTransactionContext()) as Promise<T>;
  }

  /**
   * A PostgreSQL statement with `?` placeholders whose values are bound, not
   * written into its text: the ORM's execute quotes a string one character
   * at a time, and for the megabytes of JSON of a 10,000-instance launch that
   * made 2 s of garbage collection (profile of RunRepository.create).
   */
  private async executeBound(sql: string, params: readonly unknown[]): Promise<void> {
    const query = (this.em.getConnection() as AbstractSqlConnection).getKnex().raw(sql, [...params] as Knex.RawBinding[]);
    const transaction = this.em.getTransactionContext<Knex.Transaction>();
    if (transaction) query.transacting(transaction);
    await query;
  }

  /** A date as this database's driver binds it (SQLite keeps epoch milliseconds). */
  private dbDate(date: Date): unknown {
    return this.em.getPlatform().processDateProperty(date);
  }
}
