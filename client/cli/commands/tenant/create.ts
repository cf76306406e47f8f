/** `slipstream tenant create NAME`: a new tenant with its first admin, whose token is shown once. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printJson } from '../../output.js';
import { tenantView } from '../../views/admin.js';

/** Options of `tenant create`. */
export interface TenantCreateOptions extends OutputOptions {
  name: string;
  /** Name of the first admin user. */
  admin: string;
  displayName?: string;
}

/** Creates the tenant; the admin token goes to stdout (alone, so scripts can capture it). */
export function run(deps: CliDeps, opts: TenantCreateOptions): Promise<number> {
  return guarded(deps, async () => {
    const response = await deps.connect().tenants.create({
      name: opts.name,
      adminUser: opts.admin,
      displayName: opts.displayName,
    });
    if (opts.output === 'json') {
      printJson(deps, { tenant: tenantView(response.tenant), adminUser: opts.admin, adminToken: response.adminToken });
    } else {
      deps.stderr.write(
        `created tenant '${response.tenant?.name ?? opts.name}'; token of its admin '${opts.admin}' (shown only once):\n`,
      );
      deps.stdout.write(`${response.adminToken}\n`);
    }
    return ExitCode.ok;
  });
}

/** Registers `tenant create`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('create')
    .description('create a tenant and its first admin user (operator admins)')
    .argument('<name>', 'tenant name (a DNS label)')
    .option('--admin <user>', 'name of the first admin user', 'admin')
    .option('--display-name <text>', 'human-friendly name')
    .action((name: string, flags: { admin: string; displayName?: string }, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, name, admin: flags.admin, displayName: flags.displayName })),
    );
}
