import { Migration } from '@mikro-orm/migrations';

export class Migration20261126154253_clouds extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "clouds" ("id" uuid not null, "name" varchar(63) not null, "driver" varchar(32) not null, "settings" text not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "clouds_pkey" primary key ("id"));`);
    this.addSql(`alter table "clouds" add constraint "clouds_name_unique" unique ("name");`);

    this.addSql(`create table "quotas" ("id" uuid not null, "tenant_id" uuid not null, "cloud" varchar(63) not null, "max_instances" int not null, "updated_at" timestamptz not null, constraint "quotas_pkey" primary key ("id"));`);
    this.addSql(`alter table "quotas" add constraint "quotas_tenant_id_cloud_unique" unique ("tenant_id", "cloud");`);

    this.addSql(`create table "cloud_credentials" ("id" uuid not null, "tenant_id" uuid not null, "cloud" varchar(63) not null, "ciphertext" text not null, "key_id" varchar(16) not null, "updated_at" timestamptz not null, constraint "cloud_credentials_pkey" primary key ("id"));`);
    this.addSql(`alter table "cloud_credentials" add constraint "cloud_credentials_tenant_id_cloud_unique" unique ("tenant_id", "cloud");`);

    this.addSql(`alter table "quotas" add constraint "quotas_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "cloud_credentials" add constraint "cloud_credentials_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "clouds" cascade;`);

    this.addSql(`drop table if exists "quotas" cascade;`);

    this.addSql(`drop table if exists "cloud_credentials" cascade;`);
  }

}
