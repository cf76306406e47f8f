/**
 * PostgreSQL statements that take their rows as one JSON value.
 *
 * The ORM writes every parameter of a raw statement, and every value of a
 * bulk insert, into the statement's text, quoting each, and PostgreSQL
 * parses them back: a batch of 2,000 completions journaled 20,000 quoted
 * values; a launch of 10,000 instances inserts 170,000 parameters. These
 * statements bind one JSON value instead, which PostgreSQL reads as a set of
 * records. `?` placeholders, bound by knex (executeBound in raw-sql.ts).
 *
 * The updates find each row through a subquery on the unique index and join
 * the table on its primary key. The planner takes any set of JSON records for
 * 100 rows, enough for it to read the whole table into a hash instead of
 * probing the primary key (22,000 rows read to update two). So the records
 * come through `limit ?`, bound to their count: the estimate it gives keeps
 * small batches on the index.
 */

/** ? the rows, as RunJournalRow objects (dates as ISO strings). */
export const JOURNAL_INSERT_FROM_JSON = `
  insert into run_journal (id, run_id, sequence, "time", kind, "type", actor, instance, subject, "text")
  select j.id, j.run, j.sequence, j."time", j.kind, j."type", j.actor, j.instance, j.subject, j."text"
  from json_to_recordset(?::json)
    as j(id uuid, run uuid, sequence int, "time" timestamptz, kind text, "type" text, actor text, instance text, subject text, "text" text)`;

/**
 * ? time of the change, ? run id, ? [{key, value}], ? their count. Each key
 * finds its row through a subquery on (run_id, key), as in
 * COMMIT_RUN_TRANSITION (prepared-sql.ts); the CASE of one branch per key
 * it replaces made each row scan the branches.
 */
export const PARAMETER_UPDATE_FROM_JSON = `
  update run_parameters p set "value" = v."value", updated_at = ?
  from (
    select (select id from run_parameters where run_id = ? and "key" = x."key") as id, x."value"
    from (select * from json_to_recordset(?::json) as r("key" text, "value" text) limit ?) as x
  ) as v
  where p.id = v.id`;

/** ? the rows, as RunInstanceRow objects (dates as ISO strings). */
export const INSTANCE_INSERT_FROM_JSON = `
  insert into run_instances (id, run_id, name, node, "index", cloud, vm, vm_id, completed_epoch, completed_state, scale_state,
    bootstrap_hash, bootstrap_expires_at, bootstrap_used_at, credential_hash, last_error, created_at)
  select i.id, i.run, i.name, i.node, i."index", i.cloud, i.vm, i."vmId", i."completedEpoch", i."completedState", i."scaleState",
    i."bootstrapHash", i."bootstrapExpiresAt", i."bootstrapUsedAt", i."credentialHash", i."lastError", i."createdAt"
  from json_to_recordset(?::json)
    as i(id uuid, run uuid, name text, node text, "index" int, cloud text, vm text, "vmId" text, "completedEpoch" int, "completedState" text,
      "scaleState" text, "bootstrapHash" text, "bootstrapExpiresAt" timestamptz, "bootstrapUsedAt" timestamptz, "credentialHash" text,
      "lastError" text, "createdAt" timestamptz)`;

/** ? run id, ? time of creation, ? [{id, key, value, secret, description}]. */
export const PARAMETER_INSERT_FROM_JSON = `
  insert into run_parameters (id, run_id, "key", "value", secret, description, updated_at)
  select p.id, ?, p."key", p."value", p.secret, p.description, ?
  from json_to_recordset(?::json) as p(id uuid, "key" text, "value" text, secret boolean, description text)`;

/** The run_instances columns that RunInstanceRepository.setColumn writes, by property. */
export const INSTANCE_COLUMNS = {
  bootstrapHash: 'bootstrap_hash',
  credentialHash: 'credential_hash',
  vmId: 'vm_id',
  bootstrapExpiresAt: 'bootstrap_expires_at',
  bootstrapUsedAt: 'bootstrap_used_at',
} as const;

/**
 * Sets `column` of many instances, each to its own value, and each of
 * `sameFor` to one value on all of them: ? per column of `sameFor`, ? run
 * id, ? [{name, value}], ? their count. Each name finds its row through a
 * subquery on (run_id, name); the CASE of one branch per name it replaces
 * made each row scan the branches (107 ms for 1,000 bootstrap hashes).
 */
export function instanceColumnUpdateFromJson(column: keyof typeof INSTANCE_COLUMNS, sameFor: readonly (keyof typeof INSTANCE_COLUMNS)[]): string {
  const sets = [`"${INSTANCE_COLUMNS[column]}" = v."value"`, ...sameFor.map((p) => `"${INSTANCE_COLUMNS[p]}" = ?`)];
  return `
  update run_instances i set ${sets.join(', ')}
  from (
    select (select id from run_instances where run_id = ? and name = x.name) as id, x."value"
    from (select * from json_to_recordset(?::json) as r(name text, "value" text) limit ?) as x
  ) as v
  where i.id = v.id`;
}
