import { Migration } from '@mikro-orm/migrations';

export class Migration20261126142842_initial extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "tenants" ("id" uuid not null, "name" varchar(63) not null, "display_name" varchar(255) not null, "operator" boolean not null default false, "created_at" timestamptz not null, constraint "tenants_pkey" primary key ("id"));`);
    this.addSql(`alter table "tenants" add constraint "tenants_name_unique" unique ("name");`);

    this.addSql(`create table "modules" ("id" uuid not null, "tenant_id" uuid not null, "path" varchar(255) not null, "kind" varchar(16) not null, "description" text not null default '', "latest_version" int not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "deleted_at" timestamptz null, constraint "modules_pkey" primary key ("id"));`);
    this.addSql(`alter table "modules" add constraint "modules_tenant_id_path_unique" unique ("tenant_id", "path");`);

    this.addSql(`create table "module_versions" ("id" uuid not null, "module_id" uuid not null, "version" int not null, "content" text not null, "content_hash" varchar(64) not null, "author" varchar(63) not null, "message" text not null default '', "created_at" timestamptz not null, constraint "module_versions_pkey" primary key ("id"));`);
    this.addSql(`alter table "module_versions" add constraint "module_versions_module_id_version_unique" unique ("module_id", "version");`);

    this.addSql(`create table "users" ("id" uuid not null, "tenant_id" uuid not null, "name" varchar(63) not null, "role" varchar(16) not null, "created_at" timestamptz not null, constraint "users_pkey" primary key ("id"));`);
    this.addSql(`alter table "users" add constraint "users_tenant_id_name_unique" unique ("tenant_id", "name");`);

    this.addSql(`create table "api_tokens" ("id" uuid not null, "tenant_id" uuid not null, "user_id" uuid not null, "name" varchar(128) not null, "secret_hash" varchar(64) not null, "created_at" timestamptz not null, "expires_at" timestamptz null, "revoked_at" timestamptz null, "last_used_at" timestamptz null, constraint "api_tokens_pkey" primary key ("id"));`);
    this.addSql(`alter table "api_tokens" add constraint "api_tokens_secret_hash_unique" unique ("secret_hash");`);

    this.addSql(`alter table "modules" add constraint "modules_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "module_versions" add constraint "module_versions_module_id_foreign" foreign key ("module_id") references "modules" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "users" add constraint "users_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "api_tokens" add constraint "api_tokens_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "api_tokens" add constraint "api_tokens_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "modules" drop constraint "modules_tenant_id_foreign";`);

    this.addSql(`alter table "users" drop constraint "users_tenant_id_foreign";`);

    this.addSql(`alter table "api_tokens" drop constraint "api_tokens_tenant_id_foreign";`);

    this.addSql(`alter table "module_versions" drop constraint "module_versions_module_id_foreign";`);

    this.addSql(`alter table "api_tokens" drop constraint "api_tokens_user_id_foreign";`);

    this.addSql(`drop table if exists "tenants" cascade;`);

    this.addSql(`drop table if exists "modules" cascade;`);

    this.addSql(`drop table if exists "module_versions" cascade;`);

    this.addSql(`drop table if exists "users" cascade;`);

    this.addSql(`drop table if exists "api_tokens" cascade;`);
  }

}
