/**
 * LaunchRunRequest.template: the launch's choices with the named template's
 * underneath (mergeTemplateLaunch), read from the caller's tenant.
 */
import { InvalidArgumentError, NotFoundError } from '../../../common/errors.js';
import { formatTemplateReference, parseTemplateReference, templateReferenceProblem } from '../../../common/templates/refs.js';
import { mergeTemplateLaunch, type RequestedLaunch } from '../../domain/templates/launch-from-template.js';
import type { RpcContext } from '../rpc.js';
import type { LaunchChoices } from './launch-planning.js';

/**
 * The choices of a launch: as requested when `templateRef` is empty, else the
 * template's (`name` = its latest version, `name@N` pinned) under the
 * request's. The controller's default cloud applies when neither names one.
 *
 * @throws InvalidArgumentError `template` for a malformed reference.
 * @throws NotFoundError for a template that does not exist or was deleted.
 */
export async function launchChoices(ctx: RpcContext, requested: RequestedLaunch, templateRef: string, controllerDefaultCloud: string): Promise<LaunchChoices> {
  if (templateRef === '') return { ...requested, defaultCloud: requested.defaultCloud || controllerDefaultCloud };
  const ref = parseTemplateReference(templateRef);
  if (!ref) throw new InvalidArgumentError([{ field: 'template', description: templateReferenceProblem(templateRef) ?? 'must be NAME or NAME@VERSION' }]);
  const stored = await ctx.store.read((repos) => repos.templates.findVersion(ctx.principal.tenantId, ref.name, ref.version));
  // Like a module, a deleted template is not launched, not even pinned.
  if (!stored || stored.deleted) throw new NotFoundError('template', templateRef);
  const { launch, origin } = mergeTemplateLaunch(stored.spec, formatTemplateReference({ name: ref.name, version: stored.info.version }), requested);
  return { ...launch, defaultCloud: launch.defaultCloud || controllerDefaultCloud, template: origin };
}
