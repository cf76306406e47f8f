/** `slipstream template get NAME[@N]`: one template version, as its YAML file (or JSON with its metadata). */
import type { Command } from 'commander';
import { canonicalTemplate } from '../../../../common/templates/canonical.js';
import { templateToYaml } from '../../../template-files/template-file.js';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printJson } from '../../output.js';

/** Options of `template get`. */
export interface TemplateGetOptions extends OutputOptions {
  /** `name` (latest) or `name@N`. */
  ref: string;
}

/** Prints the template: its YAML file (`template save NAME -f` takes it back), or `{ spec, info, latestVersion, deleted }` as JSON. */
export function run(deps: CliDeps, opts: TemplateGetOptions): Promise<number> {
  return guarded(deps, async () => {
    const template = await deps.connect().templates.get(opts.ref);
    if (opts.output === 'json') {
      const { spec, info, latestVersion, deleted } = template;
      printJson(deps, { spec: canonicalTemplate(spec), info, latestVersion, deleted });
    } else {
      deps.stdout.write(templateToYaml(template.spec));
    }
    return ExitCode.ok;
  });
}

/** Registers `template get`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('get')
    .description('show a template version (YAML; --output json adds its metadata)')
    .argument('<ref>', 'template name, or name@N for a version')
    .action((ref: string, _flags: unknown, command: Command) => host.invoke(command, run, (g) => ({ output: g.output, ref })));
}
