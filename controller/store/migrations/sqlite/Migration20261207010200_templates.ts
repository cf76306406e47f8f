import { Migration } from '@mikro-orm/migrations';

/** Deployment templates (TemplateService): templates, their immutable versions, and the template a run was launched from. */
export class Migration20261207010200_templates extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`templates\` (\`id\` text not null, \`tenant_id\` text not null, \`name\` text not null, \`latest_version\` integer not null, \`created_at\` datetime not null, \`updated_at\` datetime not null, \`deleted_at\` datetime null, constraint \`templates_tenant_id_foreign\` foreign key(\`tenant_id\`) references \`tenants\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`templates_tenant_id_index\` on \`templates\` (\`tenant_id\`);`);
    this.addSql(`create unique index \`templates_tenant_id_name_unique\` on \`templates\` (\`tenant_id\`, \`name\`);`);

    this.addSql(`create table \`template_versions\` (\`id\` text not null, \`template_id\` text not null, \`version\` integer not null, \`content\` text not null, \`content_hash\` text not null, \`author\` text not null, \`message\` text not null default '', \`created_at\` datetime not null, constraint \`template_versions_template_id_foreign\` foreign key(\`template_id\`) references \`templates\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`template_versions_template_id_index\` on \`template_versions\` (\`template_id\`);`);
    this.addSql(`create unique index \`template_versions_template_id_version_unique\` on \`template_versions\` (\`template_id\`, \`version\`);`);

    this.addSql(`alter table \`runs\` add column \`template\` text null;`);
  }

}
