/**
 * The statements the run repositories prepare on PostgreSQL (through
 * PreparedStatements, outside any transaction: Store.read and
 * Store.writeStatement): the writes and reads an agent waits on, each one
 * round trip. `$n` placeholders.
 */

// The parameter values and journal entries of COMMIT_RUN_TRANSITION ($1 and $3-$6; `run` gives the base). Each key
// finds its row through a subquery on (run_id, key), which the planner always answers with one probe of the unique
// index. Joined instead, the planner sizes the run from the table's statistics, which lag behind a run whose thousands
// of parameters were just inserted: it then hashed every parameter of the run for each batch (1.7-3.4 ms for two keys
// of a 10,000-parameter run, 0.7 ms this way).
const PARAMETER_AND_JOURNAL_WRITES = `
  target as (
    select (select id from run_parameters where run_id = $1 and "key" = v."key") as id, v."value"
    from unnest($4::text[], $6::text[]) as v("key", "value")
  ), parameter as (
    update run_parameters p set "value" = target."value", updated_at = $3
    from run, target
    where p.id = target.id
    returning 1
  ), journal as (
    insert into run_journal (id, run_id, sequence, "time", kind, "type", actor, instance, subject, "text")
    select j.id, $1, run.base + j.sequence, j."time", j.kind, j."type", j.actor, j.instance, j.subject, j."text"
    from run, jsonb_to_recordset($5::jsonb)
      as j(id uuid, sequence int, "time" timestamptz, kind text, "type" text, actor text, instance text, subject text, "text" text)
    returning 1
  )`;

/**
 * RunParameterRepository.commitSets as one call of the function
 * slipstream_commit_parameter_sets (the PostgreSQL migration
 * parameter_sets_function): $1 run id, $2 number of journal entries, $3
 * time of the change, $4 the keys and $6 their values, $5 the journal rows
 * numbered from 1 (JSON, as journalRows makes them; the run id is $1's), $7
 * the lease epoch the writer holds. No row when the run row is missing or its
 * lease epoch is another (fenced: another replica owns the run now): nothing
 * was written.
 *
 * A function, not one statement of CTEs as COMMIT_RUN_TRANSITION is: such a
 * statement is planned afresh at every execution (PostgreSQL's generic plan
 * of it was slower still), 0.17-0.21 ms for two keys, more than it took to
 * run (0.14 ms); the function's simple statements keep their plans. Measured
 * alone, a call with its commit took 370-410 us against 650-830 us for the
 * statement. Each key finds its row with one probe of the (run_id, key)
 * unique index (statement-plans.test.ts).
 */
export const COMMIT_PARAMETER_SETS = `
  select base from (
    select slipstream_commit_parameter_sets($1::uuid, $2::int, $3::timestamptz, $4::text[], $5::jsonb, $6::text[], $7::int) as base
  ) as committed
  where base is not null`;

/** The run row's fields a transition may change (runChanges), each with its column and type. */
export const TRANSITION_RUN_COLUMNS: Readonly<Record<string, readonly [column: string, type: string]>> = {
  state: ['state', 'text'],
  epoch: ['epoch', 'int'],
  abortMessage: ['abort_message', 'text'],
  abortedAt: ['aborted_at', 'timestamptz'],
  recoveryMode: ['recovery_mode', 'boolean'],
  stateChangedAt: ['state_changed_at', 'timestamptz'],
  finalState: ['final_state', 'text'],
  nodes: ['nodes', 'text'],
  scale: ['scale', 'text'],
  finishedAt: ['finished_at', 'timestamptz'],
};

// Each column set from $8 (a JSON object of RunRow fields) when it holds the field, else left as it is.
const RUN_CHANGES = Object.entries(TRANSITION_RUN_COLUMNS)
  .map(([field, [column, type]]) => `${column} = case when $8::jsonb ? '${field}' then ($8::jsonb ->> '${field}')::${type} else ${column} end`)
  .join(',\n      ');

/**
 * RunTransitionRepository.commit as one statement: COMMIT_PARAMETER_SETS's
 * parameters (the same $1-$7), and the changes of the state machine:
 * $8 the run row's changed fields (JSON, as runChanges gives them: dates as
 * ISO text), and the changed instances as arrays, one element each: $9
 * name, $10 vm, $11 completed epoch, $12 completed state, $13 scale state,
 * $14 and $15 whether the VM's clock starts or stops at $3. Each instance
 * finds its row as each parameter does; arrays, not JSON rows, for the same
 * reason: the planner takes unnest for a few rows and jsonb_to_recordset for
 * a hundred, for which it hashed every instance row of the table.
 * Nothing is written when the run row is missing or fenced.
 */
export const COMMIT_RUN_TRANSITION = `
  with run as (
    update runs set last_sequence = last_sequence + $2,
      ${RUN_CHANGES}
    where id = $1 and lease_epoch = $7 returning last_sequence - $2 as base
  ), progress as (
    select (select id from run_instances where run_id = $1 and name = x.name) as id, x.*
    from unnest($9::text[], $10::text[], $11::int[], $12::text[], $13::text[], $14::boolean[], $15::boolean[])
      as x(name, vm, completed_epoch, completed_state, scale_state, started, stopped)
  ), instance as (
    update run_instances i set vm = progress.vm, completed_epoch = progress.completed_epoch, completed_state = progress.completed_state,
      scale_state = progress.scale_state,
      vm_started_at = case when progress.started then $3 else i.vm_started_at end,
      vm_stopped_at = case when progress.stopped then $3 else i.vm_stopped_at end
    from run, progress
    where i.id = progress.id
    returning 1
  ), ${PARAMETER_AND_JOURNAL_WRITES}
  select base from run`;

/** AgentLoginRepository.byHash: one prepared join per column (the column name is not a parameter). */
const agentLoginsBy = (column: 'bootstrap_hash' | 'credential_hash') => `
  select i.id, i.run_id as run, i.name, i.node, i."index", i.bootstrap_hash as "bootstrapHash",
    i.bootstrap_expires_at as "bootstrapExpiresAt", i.bootstrap_used_at as "bootstrapUsedAt",
    i.credential_hash as "credentialHash", r.state as "runState", r.tenant_id as "tenantId"
  from run_instances i join runs r on r.id = i.run_id
  where i.${column} = any($1::text[])`;
export const AGENT_LOGINS = { bootstrapHash: agentLoginsBy('bootstrap_hash'), credentialHash: agentLoginsBy('credential_hash') };

/** AgentLoginRepository.storeCredentials: each instance's credential hash, in one statement (its row found as in COMMIT_RUN_TRANSITION). */
export const STORE_CREDENTIALS = `
  update run_instances i set credential_hash = v.hash, bootstrap_used_at = $2
  from (
    select (select id from run_instances where run_id = $1 and name = u.name) as id, u.hash
    from unnest($3::text[], $4::text[]) as u(name, hash)
  ) as v
  where i.id = v.id`;

/** AgentLoginRepository.expireBootstrapTokens. */
export const EXPIRE_BOOTSTRAP_TOKENS = `update run_instances set bootstrap_expires_at = $1 where id = any($2::uuid[])`;
