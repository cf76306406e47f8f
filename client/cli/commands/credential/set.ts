/** `slipstream credential set CLOUD (--from-file F | --set key=value...)`: stores your tenant's credentials for a cloud. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import { readCredentialFile } from '../../credential-file.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { collect, parseKeyValue } from '../../flags.js';
import { formatTime, printJson } from '../../output.js';

/** Options of `credential set`: exactly one of `fromFile` and `fields`. */
export interface CredentialSetOptions extends OutputOptions {
  cloud: string;
  /** A JSON object, `KEY=VALUE` lines, or a GCP service account key file. */
  fromFile?: string;
  fields?: Record<string, string>;
}

/**
 * Stores the credentials (tenant admins), replacing any before. Only the
 * field names are ever printed, never a value.
 */
export function run(deps: CliDeps, opts: CredentialSetOptions): Promise<number> {
  return guarded(deps, async () => {
    const fields = await credentialsOf(opts);
    const updatedAt = await deps.connect().clouds.setCredential(opts.cloud, fields);
    const names = Object.keys(fields);
    if (opts.output === 'json') printJson(deps, { cloud: opts.cloud, fields: names, updatedAt: formatTime(updatedAt) });
    else deps.stderr.write(`stored your tenant's credential for cloud '${opts.cloud}' (fields: ${names.join(', ')})\n`);
    return ExitCode.ok;
  });
}

/** The fields from the one source given; UsageError for none or both. */
async function credentialsOf(opts: CredentialSetOptions): Promise<Record<string, string>> {
  if (opts.fromFile !== undefined && opts.fields !== undefined) throw new UsageError('give --from-file or --set, not both');
  if (opts.fromFile !== undefined) return readCredentialFile(opts.fromFile);
  if (opts.fields !== undefined) return opts.fields;
  throw new UsageError('give the credentials: --from-file FILE, or --set KEY=VALUE (repeatable)');
}

/** `--set` values -> fields; unlike commander's own errors, a bad one is not quoted (it may be a secret). */
function credentialFields(values: readonly string[] | undefined): Record<string, string> | undefined {
  try {
    return values?.reduce<Record<string, string>>((fields, value) => parseKeyValue(value, fields), {});
  } catch (error) {
    if (error instanceof InvalidArgumentError) {
      throw new UsageError("option '--set <key=value>': expected KEY=VALUE (the value given is not shown)");
    }
    throw error;
  }
}

/** Registers `credential set`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('set')
    .description("store your tenant's credentials for a cloud, replacing any (admins); they are write-only")
    .argument('<cloud>', 'cloud name')
    .addOption(
      new Option('--from-file <file>', 'a JSON object of fields, KEY=VALUE lines, or a GCP service account key file').conflicts('set'),
    )
    .option('--set <key=value>', 'one credential field (repeatable; values end up in shell history, prefer --from-file)', collect)
    .action((cloud: string, flags: { fromFile?: string; set?: string[] }, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, cloud, fromFile: flags.fromFile, fields: credentialFields(flags.set) })),
    );
}
