/** `slipstream run reports ID [--dir D]`: downloads every report tarball of a run. */
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import type { RunReport } from '../../../services/run-types.js';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printJson } from '../../output.js';

/** Options of `run reports`. */
export interface RunReportsOptions extends OutputOptions {
  id: string;
  /** Where the tarballs go; default `reports/<run id>/` under the working directory. */
  dir?: string;
}

/** The local file name of a report: the server's name without any folder part, prefixed by its instance unless it names it. */
function fileName(report: RunReport): string {
  const name = basename(report.name.replaceAll('\\', '/')).replace(/^\.+/, '') || 'report.tar.gz';
  return name.startsWith(`${report.instance}.`) || name.startsWith(`${report.instance}-`) ? name : `${report.instance}-${name}`;
}

/**
 * Downloads each report (size and sha256 verified) and prints its path on
 * stdout, or a JSON array of `{ instance, name, sizeBytes, sha256, path }`.
 */
export function run(deps: CliDeps, opts: RunReportsOptions): Promise<number> {
  return guarded(deps, async () => {
    const runs = deps.connect().runs;
    const dir = opts.dir ?? join('reports', opts.id);
    const saved = [];
    for (const report of await runs.reports(opts.id)) {
      const path = join(dir, fileName(report));
      await runs.downloadReport(opts.id, report.instance, report.name, path);
      saved.push({ instance: report.instance, name: report.name, sizeBytes: report.sizeBytes, sha256: report.sha256, path });
      if (opts.output !== 'json') deps.stdout.write(`${path}\n`);
    }
    if (opts.output === 'json') printJson(deps, saved);
    else if (saved.length === 0) deps.stderr.write(`run ${opts.id} has no reports (yet)\n`);
    return ExitCode.ok;
  });
}

/** Registers `run reports`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('reports')
    .description('download every report tarball of a run (verified), printing each path')
    .argument('<id>', 'run id')
    .option('--dir <dir>', 'where to save them (default: ./reports/<run id>/)')
    .action((id: string, flags: { dir?: string }, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, id, dir: flags.dir })),
    );
}
