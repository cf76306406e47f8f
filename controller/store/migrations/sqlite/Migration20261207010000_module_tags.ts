import { Migration } from '@mikro-orm/migrations';

/**
 * Promotion tags: where each named tag of a module points now (module_tags)
 * and every move of them, append-only (module_tag_history).
 */
export class Migration20261207010000_module_tags extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`module_tag_history\` (\`id\` text not null, \`module_id\` text not null, \`sequence\` integer not null, \`tag\` text not null, \`old_version\` integer null, \`new_version\` integer null, \`actor\` text not null, \`at\` datetime not null, \`message\` text not null default '', constraint \`module_tag_history_module_id_foreign\` foreign key(\`module_id\`) references \`modules\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`module_tag_history_module_id_index\` on \`module_tag_history\` (\`module_id\`);`);
    this.addSql(`create index \`module_tag_history_module_id_tag_sequence_index\` on \`module_tag_history\` (\`module_id\`, \`tag\`, \`sequence\`);`);
    this.addSql(`create unique index \`module_tag_history_module_id_sequence_unique\` on \`module_tag_history\` (\`module_id\`, \`sequence\`);`);

    this.addSql(`create table \`module_tags\` (\`id\` text not null, \`module_id\` text not null, \`name\` text not null, \`version\` integer not null, \`set_by\` text not null, \`set_at\` datetime not null, constraint \`module_tags_module_id_foreign\` foreign key(\`module_id\`) references \`modules\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`module_tags_module_id_index\` on \`module_tags\` (\`module_id\`);`);
    this.addSql(`create unique index \`module_tags_module_id_name_unique\` on \`module_tags\` (\`module_id\`, \`name\`);`);
  }

}
