import { Migration } from '@mikro-orm/migrations';

export class Migration20261206024947_replicas extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`controller_replicas\` (\`id\` text not null, \`host\` text not null, \`pid\` integer not null, \`address\` text not null, \`agent_address\` text not null, \`version\` text not null, \`mode\` text not null, \`state\` text not null, \`lease_ms\` integer not null, \`runs_owned\` integer not null default 0, \`agents_connected\` integer not null default 0, \`started_at\` datetime not null, \`heartbeat_at\` datetime not null, primary key (\`id\`));`);
    this.addSql(`create index \`controller_replicas_state_index\` on \`controller_replicas\` (\`state\`);`);

    this.addSql(`create table \`run_requests\` (\`id\` text not null, \`run_id\` text not null, \`asked_by\` text not null, \`body\` text not null, \`created_at\` datetime not null, \`answered_at\` datetime null, \`answer\` text null, constraint \`run_requests_run_id_foreign\` foreign key(\`run_id\`) references \`runs\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`run_requests_run_id_index\` on \`run_requests\` (\`run_id\`);`);
    this.addSql(`create index \`run_requests_run_id_answered_at_index\` on \`run_requests\` (\`run_id\`, \`answered_at\`);`);

    this.addSql(`alter table \`runs\` add column \`lease_holder\` text null;`);
    this.addSql(`alter table \`runs\` add column \`lease_epoch\` integer not null default 0;`);
    this.addSql(`alter table \`runs\` add column \`lease_binding\` text null;`);
    this.addSql(`create index \`runs_lease_holder_index\` on \`runs\` (\`lease_holder\`);`);
  }

}
