/** `slipstream module pull PATH[@N] [-o FILE|DIR]`: a module version as its YAML file. */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import type { Command } from 'commander';
import { moduleToYaml } from '../../../module-files/to-yaml.js';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';

/** Options of `module pull`. */
export interface ModulePullOptions {
  /** `path` (latest) or `path@N`. */
  ref: string;
  /** A file, or a directory (existing, or ending in `/`) that receives `<path>.yaml`; absent = stdout. */
  out?: string;
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/** Writes the canonical YAML, which `module push` saves as "unchanged". */
export function run(deps: CliDeps, opts: ModulePullOptions): Promise<number> {
  return guarded(deps, async () => {
    const module = await deps.connect().modules.get(opts.ref);
    const yaml = moduleToYaml(module.document);
    if (opts.out === undefined) {
      deps.stdout.write(yaml);
      return ExitCode.ok;
    }
    const toDirectory = opts.out.endsWith('/') || opts.out.endsWith(sep) || (await isDirectory(opts.out));
    const file = toDirectory ? join(opts.out, `${module.document.path}.yaml`) : opts.out;
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, yaml);
    deps.stderr.write(`wrote ${module.document.path}@${module.info.version} to ${file}\n`);
    return ExitCode.ok;
  });
}

/** Registers `module pull`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('pull')
    .description('write a module version as its YAML file')
    .argument('<ref>', 'module path, path@N for a version, or path:TAG for the version a tag points at; @TENANT/... for a module another tenant shares')
    .option('-o, --out <file-or-dir>', 'file to write, or directory to write <path>.yaml into (default: stdout)')
    .action((ref: string, flags: { out?: string }, command: Command) =>
      host.invoke(command, run, () => ({ ref, out: flags.out })),
    );
}
