/** `slipstream run reports ID [--instance node.N] [--dir D]`: downloads every report tarball of a run (or of one instance). */
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import type { RunReport } from '../../../services/run-types.js';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { parseInstanceName } from '../../flags.js';
import { printJson } from '../../output.js';

/** Options of `run reports`. */
export interface RunReportsOptions extends OutputOptions {
  id: string;
  /** Only this instance's reports (`node.N`): where a log gap marker sends you for the whole output. */
  instance?: string;
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
    const reports = (await runs.reports(opts.id)).filter((r) => opts.instance === undefined || r.instance === opts.instance);
    for (const report of reports) {
      const path = join(dir, fileName(report));
      await runs.downloadReport(opts.id, report.instance, report.name, path);
      saved.push({ instance: report.instance, name: report.name, sizeBytes: report.sizeBytes, sha256: report.sha256, path });
      if (opts.output !== 'json') deps.stdout.write(`${path}\n`);
    }
    if (opts.output === 'json') printJson(deps, saved);
    else if (saved.length === 0) deps.stderr.write(`run ${opts.id} has no reports${opts.instance ? ` of ${opts.instance}` : ''} (yet)\n`);
    return ExitCode.ok;
  });
}

/** Registers `run reports`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('reports')
    .description('download every report tarball of a run (verified), printing each path')
    .argument('<id>', 'run id')
    .option('--instance <node.N>', 'only the reports of this instance', parseInstanceName)
    .option('--dir <dir>', 'where to save them (default: ./reports/<run id>/)')
    .action((id: string, flags: { instance?: string; dir?: string }, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, id, instance: flags.instance, dir: flags.dir })),
    );
}
