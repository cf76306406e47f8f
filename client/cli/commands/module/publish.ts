/** `slipstream module publish PATH[@N] [--to TENANT]...`: shares a module, read-only, with other tenants. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { collect } from '../../flags.js';
import { printJson } from '../../output.js';

/** Options of `module publish`. */
export interface ModulePublishOptions extends OutputOptions {
  /** `path` (every version) or `path@N` (that version), as typed. */
  target: string;
  /** Tenants to publish to; empty: every tenant. */
  to: string[];
}

/**
 * `path@N` -> { path, version: N }, `path` -> { path }. Module paths never
 * hold '@'; a shared `@TENANT/...` is passed on whole, for the controller to refuse.
 */
export function parsePublishTarget(text: string): { path: string; version?: number } {
  const at = text.lastIndexOf('@');
  if (at <= 0) return { path: text };
  const match = /^([0-9]{1,15})$/.exec(text.slice(at + 1));
  if (!match) throw new UsageError(`PATH[@N]: the version after '@' must be a number, as shop/shop@7 (got '${text}')`);
  return { path: text.slice(0, at), version: Number(match[1]) };
}

/** Describes who reads a publication, for messages. */
export function audienceText(tenants: readonly string[]): string {
  return tenants.length === 0 ? 'every tenant' : `tenant${tenants.length > 1 ? 's' : ''} ${tenants.join(', ')}`;
}

/** Publishes; says what other tenants now read and how they name it. */
export function run(deps: CliDeps, opts: ModulePublishOptions): Promise<number> {
  return guarded(deps, async () => {
    const { path, version } = parsePublishTarget(opts.target);
    const client = deps.connect();
    const publications = await client.modules.publish(path, { ...(version !== undefined && { version }), tenants: opts.to });
    if (opts.output === 'json') {
      printJson(deps, publications);
      return ExitCode.ok;
    }
    const tenant = (await client.users.whoAmI({})).user?.tenant ?? 'TENANT';
    const what = version === undefined ? `${path} (every version)` : `${path}@${version}`;
    deps.stderr.write(`published ${what} to ${audienceText(opts.to)}, read-only; they use it as @${tenant}/${path}\n`);
    return ExitCode.ok;
  });
}

/** Registers `module publish`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('publish')
    .description('share a module, read-only, with every tenant or named ones; they read and launch it as @TENANT/PATH (editor and up)')
    .argument('<path>', 'module path (every version, future ones included), or path@N for one version')
    .option('--to <tenant>', 'publish to this tenant only (repeatable; default: every tenant)', collect)
    .action((target: string, flags: { to?: string[] }, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, target, to: flags.to ?? [] })),
    );
}
