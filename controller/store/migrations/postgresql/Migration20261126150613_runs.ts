import { Migration } from '@mikro-orm/migrations';

export class Migration20261126150613_runs extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "controller_secrets" ("name" varchar(63) not null, "value" text not null, "created_at" timestamptz not null, constraint "controller_secrets_pkey" primary key ("name"));`);

    this.addSql(`create table "runs" ("id" uuid not null, "tenant_id" uuid not null, "owner" varchar(63) not null, "module_path" varchar(255) not null, "module_version" int not null, "kind" varchar(16) not null, "plan" text not null, "state" varchar(16) not null, "epoch" int not null default 0, "abort_message" text null, "aborted_at" timestamptz null, "recovery_mode" boolean not null default false, "keep_running" varchar(16) not null, "scalable" boolean not null default false, "timeout_minutes" int not null, "default_cloud" varchar(63) not null, "ssh_keys" text not null default '[]', "nodes" text not null, "scale" text null, "final_state" varchar(16) null, "request_id" varchar(128) null, "last_sequence" int not null default 0, "created_at" timestamptz not null, "state_changed_at" timestamptz not null, "finished_at" timestamptz null, constraint "runs_pkey" primary key ("id"));`);
    this.addSql(`create index "runs_tenant_id_created_at_index" on "runs" ("tenant_id", "created_at");`);
    this.addSql(`create index "runs_state_index" on "runs" ("state");`);
    this.addSql(`alter table "runs" add constraint "runs_tenant_id_request_id_unique" unique ("tenant_id", "request_id");`);

    this.addSql(`create table "run_tags" ("id" uuid not null, "run_id" uuid not null, "tag" varchar(64) not null, constraint "run_tags_pkey" primary key ("id"));`);
    this.addSql(`create index "run_tags_tag_index" on "run_tags" ("tag");`);
    this.addSql(`alter table "run_tags" add constraint "run_tags_run_id_tag_unique" unique ("run_id", "tag");`);

    this.addSql(`create table "run_reports" ("id" uuid not null, "run_id" uuid not null, "instance" varchar(80) not null, "name" varchar(255) not null, "size_bytes" int not null, "sha256" varchar(64) not null, "path" text not null, "created_at" timestamptz not null, constraint "run_reports_pkey" primary key ("id"));`);
    this.addSql(`alter table "run_reports" add constraint "run_reports_run_id_instance_name_unique" unique ("run_id", "instance", "name");`);

    this.addSql(`create table "run_parameters" ("id" uuid not null, "run_id" uuid not null, "key" varchar(160) not null, "value" text null, "secret" boolean not null default false, "description" text not null default '', "updated_at" timestamptz not null, constraint "run_parameters_pkey" primary key ("id"));`);
    this.addSql(`alter table "run_parameters" add constraint "run_parameters_run_id_key_unique" unique ("run_id", "key");`);

    this.addSql(`create table "run_journal" ("id" uuid not null, "run_id" uuid not null, "sequence" int not null, "time" timestamptz not null, "kind" varchar(16) not null, "type" varchar(32) not null, "actor" varchar(96) not null default '', "instance" varchar(80) not null default '', "subject" varchar(160) not null default '', "text" text not null, constraint "run_journal_pkey" primary key ("id"));`);
    this.addSql(`alter table "run_journal" add constraint "run_journal_run_id_sequence_unique" unique ("run_id", "sequence");`);

    this.addSql(`create table "run_instances" ("id" uuid not null, "run_id" uuid not null, "name" varchar(80) not null, "node" varchar(63) not null, "index" int not null, "cloud" varchar(63) not null, "vm" varchar(16) not null, "vm_id" varchar(255) null, "completed_epoch" int not null default 0, "completed_state" varchar(16) null, "scale_state" varchar(16) not null default '', "bootstrap_hash" varchar(64) null, "bootstrap_expires_at" timestamptz null, "bootstrap_used_at" timestamptz null, "credential_hash" varchar(64) null, "last_error" text null, "created_at" timestamptz not null, constraint "run_instances_pkey" primary key ("id"));`);
    this.addSql(`alter table "run_instances" add constraint "run_instances_bootstrap_hash_unique" unique ("bootstrap_hash");`);
    this.addSql(`alter table "run_instances" add constraint "run_instances_credential_hash_unique" unique ("credential_hash");`);
    this.addSql(`alter table "run_instances" add constraint "run_instances_run_id_name_unique" unique ("run_id", "name");`);

    this.addSql(`alter table "runs" add constraint "runs_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "run_tags" add constraint "run_tags_run_id_foreign" foreign key ("run_id") references "runs" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "run_reports" add constraint "run_reports_run_id_foreign" foreign key ("run_id") references "runs" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "run_parameters" add constraint "run_parameters_run_id_foreign" foreign key ("run_id") references "runs" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "run_journal" add constraint "run_journal_run_id_foreign" foreign key ("run_id") references "runs" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "run_instances" add constraint "run_instances_run_id_foreign" foreign key ("run_id") references "runs" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "run_tags" drop constraint "run_tags_run_id_foreign";`);

    this.addSql(`alter table "run_reports" drop constraint "run_reports_run_id_foreign";`);

    this.addSql(`alter table "run_parameters" drop constraint "run_parameters_run_id_foreign";`);

    this.addSql(`alter table "run_journal" drop constraint "run_journal_run_id_foreign";`);

    this.addSql(`alter table "run_instances" drop constraint "run_instances_run_id_foreign";`);

    this.addSql(`drop table if exists "controller_secrets" cascade;`);

    this.addSql(`drop table if exists "runs" cascade;`);

    this.addSql(`drop table if exists "run_tags" cascade;`);

    this.addSql(`drop table if exists "run_reports" cascade;`);

    this.addSql(`drop table if exists "run_parameters" cascade;`);

    this.addSql(`drop table if exists "run_journal" cascade;`);

    this.addSql(`drop table if exists "run_instances" cascade;`);
  }

}
