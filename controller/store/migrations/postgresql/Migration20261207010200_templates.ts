import { Migration } from '@mikro-orm/migrations';

/** Deployment templates (TemplateService): templates, their immutable versions, and the template a run was launched from. */
export class Migration20261207010200_templates extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "templates" ("id" uuid not null, "tenant_id" uuid not null, "name" varchar(63) not null, "latest_version" int not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "deleted_at" timestamptz null, constraint "templates_pkey" primary key ("id"));`);
    this.addSql(`alter table "templates" add constraint "templates_tenant_id_name_unique" unique ("tenant_id", "name");`);

    this.addSql(`create table "template_versions" ("id" uuid not null, "template_id" uuid not null, "version" int not null, "content" text not null, "content_hash" varchar(64) not null, "author" varchar(63) not null, "message" text not null default '', "created_at" timestamptz not null, constraint "template_versions_pkey" primary key ("id"));`);
    this.addSql(`alter table "template_versions" add constraint "template_versions_template_id_version_unique" unique ("template_id", "version");`);

    this.addSql(`alter table "templates" add constraint "templates_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "template_versions" add constraint "template_versions_template_id_foreign" foreign key ("template_id") references "templates" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "runs" add column "template" varchar(80) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "template_versions" drop constraint "template_versions_template_id_foreign";`);

    this.addSql(`drop table if exists "templates" cascade;`);

    this.addSql(`drop table if exists "template_versions" cascade;`);

    this.addSql(`alter table "runs" drop column "template";`);
  }

}
