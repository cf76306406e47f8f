import { Migration } from '@mikro-orm/migrations';

/**
 * slipstream_commit_parameter_sets: RunParameterRepository.commitSets as one
 * function call (prepared-sql.ts, COMMIT_PARAMETER_SETS): the statement of
 * CTEs it replaces was planned afresh at every execution, 0.17-0.21 ms of
 * each set; the function's statements are simple enough to keep their plans.
 *
 * Nothing is written and NULL is returned when the run row is missing or its
 * lease epoch is not `p_lease_epoch` (fenced); else the run's last journal
 * sequence before the entries, which are numbered from it.
 */
export class Migration20261207220000_parameter_sets_function extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create function "slipstream_commit_parameter_sets"(
      p_run_id uuid, p_entries int, p_now timestamptz, p_keys text[], p_journal jsonb, p_values text[], p_lease_epoch int
    ) returns int language plpgsql as $fn$
    declare
      v_base int;
    begin
      update "runs" set "last_sequence" = "last_sequence" + p_entries
        where "id" = p_run_id and "lease_epoch" = p_lease_epoch
        returning "last_sequence" - p_entries into v_base;
      if v_base is null then
        return null;
      end if;
      for i in 1 .. coalesce(array_length(p_keys, 1), 0) loop
        update "run_parameters" set "value" = p_values[i], "updated_at" = p_now
          where "run_id" = p_run_id and "key" = p_keys[i];
      end loop;
      insert into "run_journal" ("id", "run_id", "sequence", "time", "kind", "type", "actor", "instance", "subject", "text")
        select j."id", p_run_id, v_base + j."sequence", j."time", j."kind", j."type", j."actor", j."instance", j."subject", j."text"
        from jsonb_to_recordset(p_journal) as j("id" uuid, "sequence" int, "time" timestamptz, "kind" text, "type" text, "actor" text, "instance" text, "subject" text, "text" text);
      return v_base;
    end
    $fn$;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop function if exists "slipstream_commit_parameter_sets"(uuid, int, timestamptz, text[], jsonb, text[], int);`);
  }

}
