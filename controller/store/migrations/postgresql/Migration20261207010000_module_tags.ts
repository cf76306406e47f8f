import { Migration } from '@mikro-orm/migrations';

/**
 * Promotion tags: where each named tag of a module points now (module_tags)
 * and every move of them, append-only (module_tag_history).
 */
export class Migration20261207010000_module_tags extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "module_tag_history" ("id" uuid not null, "module_id" uuid not null, "sequence" int not null, "tag" varchar(63) not null, "old_version" int null, "new_version" int null, "actor" varchar(63) not null, "at" timestamptz not null, "message" text not null default '', constraint "module_tag_history_pkey" primary key ("id"));`);
    this.addSql(`create index "module_tag_history_module_id_tag_sequence_index" on "module_tag_history" ("module_id", "tag", "sequence");`);
    this.addSql(`alter table "module_tag_history" add constraint "module_tag_history_module_id_sequence_unique" unique ("module_id", "sequence");`);

    this.addSql(`create table "module_tags" ("id" uuid not null, "module_id" uuid not null, "name" varchar(63) not null, "version" int not null, "set_by" varchar(63) not null, "set_at" timestamptz not null, constraint "module_tags_pkey" primary key ("id"));`);
    this.addSql(`alter table "module_tags" add constraint "module_tags_module_id_name_unique" unique ("module_id", "name");`);

    this.addSql(`alter table "module_tag_history" add constraint "module_tag_history_module_id_foreign" foreign key ("module_id") references "modules" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "module_tags" add constraint "module_tags_module_id_foreign" foreign key ("module_id") references "modules" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "module_tag_history" cascade;`);

    this.addSql(`drop table if exists "module_tags" cascade;`);
  }

}
