/**
 * The checks and planning a launch does before anything is written: the
 * module reference resolved against the caller's catalog, then the operator's
 * choices checked against the plan and the clouds (planLaunch). LaunchRun
 * runs it to create a run; SaveTemplate runs it as a dry run, so that a
 * template is held to exactly the rules its launches will meet.
 */
import { FailedPreconditionError, InvalidArgumentError, NotFoundError, throwIfViolations, type FieldViolation } from '../../../common/errors.js';
import { MAX_MULTIPLICITY } from '../../../common/modules/limits.js';
import { parseCatalogReference } from '../../../common/modules/shared-refs.js';
import type { ResolvedPlan } from '../../../common/modules/types.js';
import { resolveCallerReference } from './shared-catalog.js';
import { planLaunch, type CloudCatalog, type LaunchPlan, type PlanLaunchOptions } from '../../domain/runs/launch.js';
import { templateViolations, type RequestedLaunch, type TemplateOrigin } from '../../domain/templates/launch-from-template.js';
import type { Repositories } from '../../store/repositories/index.js';
import { tenantCatalogLookup } from './catalog-lookup.js';

/**
 * A launch as the domain sees it: LaunchRunRequest's choices, with proto enums
 * converted and the default cloud already defaulted to the controller's; with
 * a template, violations of its values name its fields.
 */
export interface LaunchChoices extends RequestedLaunch {
  template?: TemplateOrigin;
}

/** Violations of the launch's fields that need neither the catalog nor the clouds. */
export function launchSyntaxViolations(choices: Pick<LaunchChoices, 'module' | 'multiplicities' | 'template'>): FieldViolation[] {
  const violations: FieldViolation[] = [];
  // `@TENANT/...` names a module another tenant shares (resolved in its owner's catalog).
  if (!parseCatalogReference(choices.module)) {
    violations.push({ field: 'module', description: 'must be PATH, PATH@VERSION or PATH:TAG of an application or component, or @TENANT/PATH... of one shared with this tenant' });
  }
  for (const [node, n] of Object.entries(choices.multiplicities)) {
    if (!Number.isInteger(n) || n < 0 || n > MAX_MULTIPLICITY) violations.push({ field: `multiplicities.${node}`, description: `must be 0 to ${MAX_MULTIPLICITY}` });
  }
  return choices.template ? templateViolations(violations, choices.template) : violations;
}

/**
 * Why the module cannot be launched when `err` says so (it is missing, or a
 * tag of it, or it is a project), else undefined: for the callers that
 * report it as a field (a template's module) rather than as NOT_FOUND.
 */
export function moduleUnavailable(err: unknown): string | undefined {
  if (err instanceof NotFoundError) return err.message;
  if (err instanceof FailedPreconditionError && err.reason === 'NOT_LAUNCHABLE') return err.message;
  return undefined;
}

/**
 * Resolves the module and plans the launch, or throws: InvalidArgumentError
 * with every violation, NotFoundError for a missing module,
 * FailedPreconditionError for a project. With a template, violations of its
 * values name its fields, and a module of its that cannot be launched is the
 * violation `template.module`.
 */
export async function planRunLaunch(
  repos: Repositories,
  tenantId: string,
  choices: LaunchChoices,
  clouds: CloudCatalog,
  options: PlanLaunchOptions = {},
): Promise<{ resolved: ResolvedPlan; launch: LaunchPlan }> {
  throwIfViolations(launchSyntaxViolations(choices));
  try {
    const resolved = await resolveCallerReference(repos, tenantId, choices.module, 'module', tenantCatalogLookup(repos, tenantId), {
      multiplicities: choices.multiplicities,
    });
    const unknownNodes = Object.keys(choices.multiplicities).filter((n) => !resolved.nodes.some((p) => p.name === n));
    throwIfViolations(unknownNodes.map((n) => ({ field: `multiplicities.${n}`, description: `unknown node '${n}'` })));
    const launch = planLaunch(resolved, choices, clouds, options);
    throwIfViolations(launch.violations);
    if (!launch.plan) throw new InvalidArgumentError([{ field: 'module', description: 'cannot be launched' }]);
    return { resolved, launch: launch.plan };
  } catch (err) {
    const template = choices.template;
    if (!template) throw err;
    if (err instanceof InvalidArgumentError) throw new InvalidArgumentError(templateViolations(err.violations, template));
    const unavailable = moduleUnavailable(err);
    if (unavailable && template.gave('module')) throw new InvalidArgumentError(templateViolations([{ field: 'module', description: unavailable }], template));
    throw err;
  }
}
