import { Migration } from '@mikro-orm/migrations';

/**
 * Image builds (ImageService): the built_images table, and the runs' run_kind
 * (`deployment`, or `image_build` for a build's run; every earlier run is a deployment).
 */

export class Migration20261207010300_built_images extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`built_images\` (\`id\` text not null, \`tenant_id\` text not null, \`module_path\` text not null, \`module_version\` integer not null, \`cloud\` text not null, \`base_image\` text not null, \`source_digest\` text not null, \`image_id\` text null, \`state\` text not null, \`message\` text null, \`built_by\` text not null, \`created_at\` datetime not null, \`snapshot_at\` datetime null, \`built_at\` datetime null, constraint \`built_images_tenant_id_foreign\` foreign key(\`tenant_id\`) references \`tenants\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`built_images_tenant_id_index\` on \`built_images\` (\`tenant_id\`);`);
    this.addSql(`create index \`built_images_tenant_id_module_path_module_version_cloud_state_index\` on \`built_images\` (\`tenant_id\`, \`module_path\`, \`module_version\`, \`cloud\`, \`state\`);`);
    this.addSql(`create index \`built_images_tenant_id_created_at_index\` on \`built_images\` (\`tenant_id\`, \`created_at\`);`);

    this.addSql(`alter table \`runs\` add column \`run_kind\` text not null default 'deployment';`);
  }

}
