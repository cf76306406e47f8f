import { Migration } from '@mikro-orm/migrations';

/**
 * Image builds (ImageService): the built_images table, and the runs' run_kind
 * (`deployment`, or `image_build` for a build's run; every earlier run is a deployment).
 */

export class Migration20261207010300_built_images extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "built_images" ("id" uuid not null, "tenant_id" uuid not null, "module_path" varchar(255) not null, "module_version" int not null, "cloud" varchar(63) not null, "base_image" text not null, "source_digest" varchar(64) not null, "image_id" text null, "state" varchar(16) not null, "message" text null, "built_by" varchar(63) not null, "created_at" timestamptz not null, "snapshot_at" timestamptz null, "built_at" timestamptz null, constraint "built_images_pkey" primary key ("id"));`);
    this.addSql(`create index "built_images_tenant_id_module_path_module_version__d645c_index" on "built_images" ("tenant_id", "module_path", "module_version", "cloud", "state");`);
    this.addSql(`create index "built_images_tenant_id_created_at_index" on "built_images" ("tenant_id", "created_at");`);

    this.addSql(`alter table "built_images" add constraint "built_images_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "runs" add column "run_kind" varchar(16) not null default 'deployment';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "built_images" cascade;`);

    this.addSql(`alter table "runs" drop column "run_kind";`);
  }

}
