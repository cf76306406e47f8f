import { Migration } from '@mikro-orm/migrations';

export class Migration20261206024946_replicas extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "controller_replicas" ("id" uuid not null, "host" varchar(255) not null, "pid" int not null, "address" varchar(255) not null, "agent_address" varchar(255) not null, "version" varchar(63) not null, "mode" varchar(16) not null, "state" varchar(16) not null, "lease_ms" int not null, "runs_owned" int not null default 0, "agents_connected" int not null default 0, "started_at" timestamptz not null, "heartbeat_at" timestamptz not null, constraint "controller_replicas_pkey" primary key ("id"));`);
    this.addSql(`create index "controller_replicas_state_index" on "controller_replicas" ("state");`);

    this.addSql(`create table "run_requests" ("id" uuid not null, "run_id" uuid not null, "asked_by" uuid not null, "body" text not null, "created_at" timestamptz not null, "answered_at" timestamptz null, "answer" text null, constraint "run_requests_pkey" primary key ("id"));`);
    this.addSql(`create index "run_requests_run_id_answered_at_index" on "run_requests" ("run_id", "answered_at");`);

    this.addSql(`alter table "run_requests" add constraint "run_requests_run_id_foreign" foreign key ("run_id") references "runs" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "runs" add column "lease_holder" uuid null, add column "lease_epoch" int not null default 0, add column "lease_binding" varchar(255) null;`);
    this.addSql(`create index "runs_lease_holder_index" on "runs" ("lease_holder");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "controller_replicas" cascade;`);

    this.addSql(`drop table if exists "run_requests" cascade;`);

    this.addSql(`drop index "runs_lease_holder_index";`);
    this.addSql(`alter table "runs" drop column "lease_holder", drop column "lease_epoch", drop column "lease_binding";`);
  }

}
