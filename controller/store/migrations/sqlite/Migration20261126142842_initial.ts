import { Migration } from '@mikro-orm/migrations';

export class Migration20261126142842_initial extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`tenants\` (\`id\` text not null, \`name\` text not null, \`display_name\` text not null, \`operator\` integer not null default false, \`created_at\` datetime not null, primary key (\`id\`));`);
    this.addSql(`create unique index \`tenants_name_unique\` on \`tenants\` (\`name\`);`);

    this.addSql(`create table \`modules\` (\`id\` text not null, \`tenant_id\` text not null, \`path\` text not null, \`kind\` text not null, \`description\` text not null default '', \`latest_version\` integer not null, \`created_at\` datetime not null, \`updated_at\` datetime not null, \`deleted_at\` datetime null, constraint \`modules_tenant_id_foreign\` foreign key(\`tenant_id\`) references \`tenants\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`modules_tenant_id_index\` on \`modules\` (\`tenant_id\`);`);
    this.addSql(`create unique index \`modules_tenant_id_path_unique\` on \`modules\` (\`tenant_id\`, \`path\`);`);

    this.addSql(`create table \`module_versions\` (\`id\` text not null, \`module_id\` text not null, \`version\` integer not null, \`content\` text not null, \`content_hash\` text not null, \`author\` text not null, \`message\` text not null default '', \`created_at\` datetime not null, constraint \`module_versions_module_id_foreign\` foreign key(\`module_id\`) references \`modules\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`module_versions_module_id_index\` on \`module_versions\` (\`module_id\`);`);
    this.addSql(`create unique index \`module_versions_module_id_version_unique\` on \`module_versions\` (\`module_id\`, \`version\`);`);

    this.addSql(`create table \`users\` (\`id\` text not null, \`tenant_id\` text not null, \`name\` text not null, \`role\` text not null, \`created_at\` datetime not null, constraint \`users_tenant_id_foreign\` foreign key(\`tenant_id\`) references \`tenants\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`users_tenant_id_index\` on \`users\` (\`tenant_id\`);`);
    this.addSql(`create unique index \`users_tenant_id_name_unique\` on \`users\` (\`tenant_id\`, \`name\`);`);

    this.addSql(`create table \`api_tokens\` (\`id\` text not null, \`tenant_id\` text not null, \`user_id\` text not null, \`name\` text not null, \`secret_hash\` text not null, \`created_at\` datetime not null, \`expires_at\` datetime null, \`revoked_at\` datetime null, \`last_used_at\` datetime null, constraint \`api_tokens_tenant_id_foreign\` foreign key(\`tenant_id\`) references \`tenants\`(\`id\`) on delete cascade on update cascade, constraint \`api_tokens_user_id_foreign\` foreign key(\`user_id\`) references \`users\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`api_tokens_tenant_id_index\` on \`api_tokens\` (\`tenant_id\`);`);
    this.addSql(`create index \`api_tokens_user_id_index\` on \`api_tokens\` (\`user_id\`);`);
    this.addSql(`create unique index \`api_tokens_secret_hash_unique\` on \`api_tokens\` (\`secret_hash\`);`);
  }

}
