import { Migration } from '@mikro-orm/migrations';

export class Migration20261126154253_clouds extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`clouds\` (\`id\` text not null, \`name\` text not null, \`driver\` text not null, \`settings\` text not null, \`created_at\` datetime not null, \`updated_at\` datetime not null, primary key (\`id\`));`);
    this.addSql(`create unique index \`clouds_name_unique\` on \`clouds\` (\`name\`);`);

    this.addSql(`create table \`quotas\` (\`id\` text not null, \`tenant_id\` text not null, \`cloud\` text not null, \`max_instances\` integer not null, \`updated_at\` datetime not null, constraint \`quotas_tenant_id_foreign\` foreign key(\`tenant_id\`) references \`tenants\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`quotas_tenant_id_index\` on \`quotas\` (\`tenant_id\`);`);
    this.addSql(`create unique index \`quotas_tenant_id_cloud_unique\` on \`quotas\` (\`tenant_id\`, \`cloud\`);`);

    this.addSql(`create table \`cloud_credentials\` (\`id\` text not null, \`tenant_id\` text not null, \`cloud\` text not null, \`ciphertext\` text not null, \`key_id\` text not null, \`updated_at\` datetime not null, constraint \`cloud_credentials_tenant_id_foreign\` foreign key(\`tenant_id\`) references \`tenants\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`cloud_credentials_tenant_id_index\` on \`cloud_credentials\` (\`tenant_id\`);`);
    this.addSql(`create unique index \`cloud_credentials_tenant_id_cloud_unique\` on \`cloud_credentials\` (\`tenant_id\`, \`cloud\`);`);
  }

}
