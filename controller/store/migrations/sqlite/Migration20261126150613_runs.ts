import { Migration } from '@mikro-orm/migrations';

export class Migration20261126150613_runs extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`controller_secrets\` (\`name\` text not null, \`value\` text not null, \`created_at\` datetime not null, primary key (\`name\`));`);

    this.addSql(`create table \`runs\` (\`id\` text not null, \`tenant_id\` text not null, \`owner\` text not null, \`module_path\` text not null, \`module_version\` integer not null, \`kind\` text not null, \`plan\` text not null, \`state\` text not null, \`epoch\` integer not null default 0, \`abort_message\` text null, \`aborted_at\` datetime null, \`recovery_mode\` integer not null default false, \`keep_running\` text not null, \`scalable\` integer not null default false, \`timeout_minutes\` integer not null, \`default_cloud\` text not null, \`ssh_keys\` text not null default '[]', \`nodes\` text not null, \`scale\` text null, \`final_state\` text null, \`request_id\` text null, \`last_sequence\` integer not null default 0, \`created_at\` datetime not null, \`state_changed_at\` datetime not null, \`finished_at\` datetime null, constraint \`runs_tenant_id_foreign\` foreign key(\`tenant_id\`) references \`tenants\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`runs_tenant_id_index\` on \`runs\` (\`tenant_id\`);`);
    this.addSql(`create index \`runs_tenant_id_created_at_index\` on \`runs\` (\`tenant_id\`, \`created_at\`);`);
    this.addSql(`create index \`runs_state_index\` on \`runs\` (\`state\`);`);
    this.addSql(`create unique index \`runs_tenant_id_request_id_unique\` on \`runs\` (\`tenant_id\`, \`request_id\`);`);

    this.addSql(`create table \`run_tags\` (\`id\` text not null, \`run_id\` text not null, \`tag\` text not null, constraint \`run_tags_run_id_foreign\` foreign key(\`run_id\`) references \`runs\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`run_tags_run_id_index\` on \`run_tags\` (\`run_id\`);`);
    this.addSql(`create index \`run_tags_tag_index\` on \`run_tags\` (\`tag\`);`);
    this.addSql(`create unique index \`run_tags_run_id_tag_unique\` on \`run_tags\` (\`run_id\`, \`tag\`);`);

    this.addSql(`create table \`run_reports\` (\`id\` text not null, \`run_id\` text not null, \`instance\` text not null, \`name\` text not null, \`size_bytes\` integer not null, \`sha256\` text not null, \`path\` text not null, \`created_at\` datetime not null, constraint \`run_reports_run_id_foreign\` foreign key(\`run_id\`) references \`runs\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`run_reports_run_id_index\` on \`run_reports\` (\`run_id\`);`);
    this.addSql(`create unique index \`run_reports_run_id_instance_name_unique\` on \`run_reports\` (\`run_id\`, \`instance\`, \`name\`);`);

    this.addSql(`create table \`run_parameters\` (\`id\` text not null, \`run_id\` text not null, \`key\` text not null, \`value\` text null, \`secret\` integer not null default false, \`description\` text not null default '', \`updated_at\` datetime not null, constraint \`run_parameters_run_id_foreign\` foreign key(\`run_id\`) references \`runs\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`run_parameters_run_id_index\` on \`run_parameters\` (\`run_id\`);`);
    this.addSql(`create unique index \`run_parameters_run_id_key_unique\` on \`run_parameters\` (\`run_id\`, \`key\`);`);

    this.addSql(`create table \`run_journal\` (\`id\` text not null, \`run_id\` text not null, \`sequence\` integer not null, \`time\` datetime not null, \`kind\` text not null, \`type\` text not null, \`actor\` text not null default '', \`instance\` text not null default '', \`subject\` text not null default '', \`text\` text not null, constraint \`run_journal_run_id_foreign\` foreign key(\`run_id\`) references \`runs\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`run_journal_run_id_index\` on \`run_journal\` (\`run_id\`);`);
    this.addSql(`create unique index \`run_journal_run_id_sequence_unique\` on \`run_journal\` (\`run_id\`, \`sequence\`);`);

    this.addSql(`create table \`run_instances\` (\`id\` text not null, \`run_id\` text not null, \`name\` text not null, \`node\` text not null, \`index\` integer not null, \`cloud\` text not null, \`vm\` text not null, \`vm_id\` text null, \`completed_epoch\` integer not null default 0, \`completed_state\` text null, \`scale_state\` text not null default '', \`bootstrap_hash\` text null, \`bootstrap_expires_at\` datetime null, \`bootstrap_used_at\` datetime null, \`credential_hash\` text null, \`last_error\` text null, \`created_at\` datetime not null, constraint \`run_instances_run_id_foreign\` foreign key(\`run_id\`) references \`runs\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`run_instances_run_id_index\` on \`run_instances\` (\`run_id\`);`);
    this.addSql(`create unique index \`run_instances_bootstrap_hash_unique\` on \`run_instances\` (\`bootstrap_hash\`);`);
    this.addSql(`create unique index \`run_instances_credential_hash_unique\` on \`run_instances\` (\`credential_hash\`);`);
    this.addSql(`create unique index \`run_instances_run_id_name_unique\` on \`run_instances\` (\`run_id\`, \`name\`);`);
  }

}
