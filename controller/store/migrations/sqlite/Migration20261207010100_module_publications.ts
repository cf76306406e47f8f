import { Migration } from '@mikro-orm/migrations';

export class Migration20261207010100_module_publications extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`module_publications\` (\`id\` text not null, \`owner_id\` text not null, \`module_id\` text not null, \`version\` integer null, \`audience\` text null, \`published_by\` text not null, \`published_at\` datetime not null, constraint \`module_publications_owner_id_foreign\` foreign key(\`owner_id\`) references \`tenants\`(\`id\`) on delete cascade on update cascade, constraint \`module_publications_module_id_foreign\` foreign key(\`module_id\`) references \`modules\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`module_publications_module_id_index\` on \`module_publications\` (\`module_id\`);`);
    this.addSql(`create index \`module_publications_owner_id_index\` on \`module_publications\` (\`owner_id\`);`);
    this.addSql(`create index \`module_publications_audience_index\` on \`module_publications\` (\`audience\`);`);
  }

}
