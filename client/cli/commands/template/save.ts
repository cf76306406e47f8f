/**
 * `slipstream template save NAME [REF] [launch flags] [-f FILE] [-m MSG]`:
 * saves a deployment template (a new version, or nothing when unchanged).
 * The launch is given with `run launch`'s flags, or a YAML file, or both
 * (the flags on top of the file: maps key by key, tags and keys added).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { TemplateSpec } from '../../../../common/templates/types.js';
import { parseTemplateFile, type TemplateFileContent } from '../../../template-files/template-file.js';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { formatViolations, UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { printJson } from '../../output.js';
import { addLaunchFlags, launchChoicesOf, readSshKeys, type LaunchChoiceOptions, type LaunchFlags } from '../run/launch-flags.js';

/** Options of `template save`. */
export interface TemplateSaveOptions extends OutputOptions, LaunchChoiceOptions {
  name: string;
  /** The module reference the template launches (overrides the file's `module`). */
  ref?: string;
  /** A template YAML file. */
  file?: string;
  /** Commit message of the new version. */
  message?: string;
}

async function readTemplateFile(file: string): Promise<TemplateFileContent> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`-f ${file}: cannot read it (${error.code ?? error.message})`);
  });
  const parsed = parseTemplateFile(text);
  if (!parsed.content) throw new UsageError(`${file} is not a template file:\n${formatViolations(parsed.violations).trimEnd()}`);
  return parsed.content;
}

/** The spec to save: the file's fields, then REF and the flags on top. */
export function templateSpecOf(opts: TemplateSaveOptions, file: TemplateFileContent, sshPublicKeys: readonly string[]): TemplateSpec {
  const unique = (...lists: (readonly string[] | undefined)[]) => [...new Set(lists.flatMap((l) => l ?? []))];
  return {
    name: opts.name,
    module: opts.ref ?? file.module ?? '',
    ...(file.description ? { description: file.description } : {}),
    ...((opts.defaultCloud ?? file.defaultCloud) ? { defaultCloud: opts.defaultCloud ?? file.defaultCloud } : {}),
    nodeClouds: { ...file.nodeClouds, ...opts.nodeClouds },
    parameters: { ...file.parameters, ...opts.parameters },
    multiplicities: { ...file.multiplicities, ...opts.multiplicities },
    tags: unique(file.tags, opts.tags),
    ...((opts.keepRunning ?? file.keepRunning) ? { keepRunning: opts.keepRunning ?? file.keepRunning } : {}),
    scalable: opts.scalable ?? file.scalable ?? false,
    ...((opts.timeoutMinutes ?? file.timeoutMinutes) ? { timeoutMinutes: opts.timeoutMinutes ?? file.timeoutMinutes } : {}),
    sshPublicKeys: unique(file.sshPublicKeys, sshPublicKeys),
  };
}

/** Saves the template; prints `created NAME@N` or `unchanged NAME@N` (the saved template with --output json). */
export function run(deps: CliDeps, opts: TemplateSaveOptions): Promise<number> {
  return guarded(deps, async () => {
    if (!opts.ref && !opts.file) throw new UsageError('name the module the template launches (REF), or a template file (-f FILE), or both');
    const file = opts.file ? await readTemplateFile(opts.file) : {};
    if (file.name !== undefined && file.name !== opts.name) {
      throw new UsageError(`${opts.file} names the template '${file.name}', not '${opts.name}'`);
    }
    const spec = templateSpecOf(opts, file, await readSshKeys(opts.sshKeyFiles ?? []));
    const saved = await deps.connect().templates.save(spec, { message: opts.message ?? '' });
    const label = `${saved.template.spec.name}@${saved.template.info.version}`;
    if (opts.output === 'json') {
      const { spec: content, info, latestVersion, deleted } = saved.template;
      printJson(deps, { created: saved.created, template: { spec: content, info, latestVersion, deleted } });
    } else {
      deps.stdout.write(`${saved.created ? 'created' : 'unchanged'} ${label}\n`);
      deps.stderr.write(`launch it with: slipstream run launch --template ${saved.created ? label : saved.template.spec.name}\n`);
    }
    return ExitCode.ok;
  });
}

/** The flags of `template save`, as commander parses them. */
interface TemplateSaveFlags extends LaunchFlags {
  file?: string;
  message?: string;
}

/** Registers `template save`. */
export function register(parent: Command, host: CommandHost): void {
  addLaunchFlags(
    parent
      .command('save')
      .description("save a deployment template: a launch (run launch's flags, or a YAML file, or both) under a name, versioned")
      .argument('<name>', 'template name')
      .argument('[ref]', 'module path, path@N or path:TAG the template launches')
      .option('-f, --file <file>', 'template YAML file (the flags override its fields)'),
  )
    .option('-m, --message <message>', 'commit message of the new version')
    .action((name: string, ref: string | undefined, flags: TemplateSaveFlags, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, name, ref, file: flags.file, message: flags.message, ...launchChoicesOf(flags) })),
    );
}
