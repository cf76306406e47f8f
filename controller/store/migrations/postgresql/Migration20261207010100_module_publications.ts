import { Migration } from '@mikro-orm/migrations';

export class Migration20261207010100_module_publications extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "module_publications" ("id" uuid not null, "owner_id" uuid not null, "module_id" uuid not null, "version" int null, "audience" varchar(63) null, "published_by" varchar(63) not null, "published_at" timestamptz not null, constraint "module_publications_pkey" primary key ("id"));`);
    this.addSql(`create index "module_publications_module_id_index" on "module_publications" ("module_id");`);
    this.addSql(`create index "module_publications_owner_id_index" on "module_publications" ("owner_id");`);
    this.addSql(`create index "module_publications_audience_index" on "module_publications" ("audience");`);

    this.addSql(`alter table "module_publications" add constraint "module_publications_owner_id_foreign" foreign key ("owner_id") references "tenants" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "module_publications" add constraint "module_publications_module_id_foreign" foreign key ("module_id") references "modules" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "module_publications" cascade;`);
  }

}
