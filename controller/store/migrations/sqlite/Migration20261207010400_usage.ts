import { Migration } from '@mikro-orm/migrations';

/**
 * Usage metering (issue 22): when each instance's VM started and stopped
 * (run_instances.vm_started_at / vm_stopped_at), and usage_archive, which
 * keeps those intervals when retention deletes a run. Rows written before
 * this migration get the best the database knew: a VM started when its
 * instance was created, and one no longer running stopped when its run
 * last changed state.
 */
export class Migration20261207010400_usage extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`usage_archive\` (\`id\` text not null, \`tenant_id\` text not null, \`run_id\` text not null, \`owner\` text not null, \`module_path\` text not null, \`cloud\` text not null, \`launched_at\` datetime not null, \`vm_started_at\` datetime null, \`vm_stopped_at\` datetime null, constraint \`usage_archive_tenant_id_foreign\` foreign key(\`tenant_id\`) references \`tenants\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`usage_archive_tenant_id_index\` on \`usage_archive\` (\`tenant_id\`);`);
    this.addSql(`create index \`usage_archive_tenant_id_launched_at_index\` on \`usage_archive\` (\`tenant_id\`, \`launched_at\`);`);
    this.addSql(`create index \`usage_archive_vm_stopped_at_index\` on \`usage_archive\` (\`vm_stopped_at\`);`);

    this.addSql(`alter table \`run_instances\` add column \`vm_started_at\` datetime null;`);
    this.addSql(`alter table \`run_instances\` add column \`vm_stopped_at\` datetime null;`);
    this.addSql(`create index \`run_instances_vm_stopped_at_index\` on \`run_instances\` (\`vm_stopped_at\`);`);
    this.addSql(`update \`run_instances\` set \`vm_started_at\` = \`created_at\`,
      \`vm_stopped_at\` = case when \`vm\` in ('terminated', 'failed')
        then (select coalesce(r.\`finished_at\`, r.\`state_changed_at\`) from \`runs\` r where r.\`id\` = \`run_instances\`.\`run_id\`) end
      where \`vm_id\` is not null;`);
  }

}
