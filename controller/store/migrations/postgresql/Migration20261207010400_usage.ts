import { Migration } from '@mikro-orm/migrations';

/**
 * Usage metering (issue 22): when each instance's VM started and stopped
 * (run_instances.vm_started_at / vm_stopped_at), and usage_archive, which
 * keeps those intervals when retention deletes a run. Rows written before
 * this migration get the best the database knew: a VM started when its
 * instance was created, and one no longer running stopped when its run
 * last changed state.
 */
export class Migration20261207010400_usage extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "usage_archive" ("id" uuid not null, "tenant_id" uuid not null, "run_id" uuid not null, "owner" varchar(63) not null, "module_path" varchar(255) not null, "cloud" varchar(63) not null, "launched_at" timestamptz not null, "vm_started_at" timestamptz null, "vm_stopped_at" timestamptz null, constraint "usage_archive_pkey" primary key ("id"));`);
    this.addSql(`create index "usage_archive_tenant_id_launched_at_index" on "usage_archive" ("tenant_id", "launched_at");`);
    this.addSql(`create index "usage_archive_vm_stopped_at_index" on "usage_archive" ("vm_stopped_at");`);

    this.addSql(`alter table "usage_archive" add constraint "usage_archive_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "run_instances" add column "vm_started_at" timestamptz null, add column "vm_stopped_at" timestamptz null;`);
    this.addSql(`create index "run_instances_vm_stopped_at_index" on "run_instances" ("vm_stopped_at");`);
    this.addSql(`update "run_instances" i set "vm_started_at" = i."created_at",
      "vm_stopped_at" = case when i."vm" in ('terminated', 'failed') then coalesce(r."finished_at", r."state_changed_at") end
      from "runs" r where r."id" = i."run_id" and i."vm_id" is not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "usage_archive" cascade;`);

    this.addSql(`drop index "run_instances_vm_stopped_at_index";`);
    this.addSql(`alter table "run_instances" drop column "vm_started_at", drop column "vm_stopped_at";`);
  }

}
