import * as pb from '../../../proto/gen/slipstream/v1/templates.js';
import { ConflictError, InvalidArgumentError, NotFoundError, throwIfViolations, type FieldViolation } from '../../../common/errors.js';
import { templateSpecFromProto, templateSummaryToProto, templateToProto, templateVersionToProto } from '../../../common/convert/templates.js';
import { canonicalTemplate, templateContentHash } from '../../../common/templates/canonical.js';
import { parseTemplateReference, templateNameProblem, templateReferenceProblem } from '../../../common/templates/refs.js';
import { MAX_TEMPLATE_DESCRIPTION_LENGTH, type TemplateSpec } from '../../../common/templates/types.js';
import type { CloudCatalog } from '../../domain/runs/launch.js';
import type { CloudDirectory } from '../../scheduler/cloud-directory.js';
import type { Repositories } from '../../store/repositories/index.js';
import { unaryRpc, type ApiDeps } from '../rpc.js';
import { moduleUnavailable, planRunLaunch } from './launch-planning.js';

/** Saves retried after losing a race to a concurrent save of the same template. */
const SAVE_ATTEMPTS = 3;

export interface TemplateServiceDeps extends ApiDeps {
  /** The clouds a template's launches may name (checked at save as a launch checks them). */
  clouds: CloudDirectory;
  /** The cloud of nodes that name none when neither the template nor the launch names one. */
  defaultCloud: string;
}

/** The request's spec, or every violation of its syntax. */
function requestedSpec(spec: pb.TemplateSpec | undefined): TemplateSpec {
  if (!spec) throw new InvalidArgumentError([{ field: 'spec', description: 'is required' }]);
  const converted = templateSpecFromProto(spec);
  const violations: FieldViolation[] = [...converted.violations];
  const nameProblem = templateNameProblem(spec.name);
  if (nameProblem) violations.push({ field: 'name', description: nameProblem });
  if (spec.module === '') violations.push({ field: 'module', description: 'is required: the application or component the template launches' });
  if (spec.description.length > MAX_TEMPLATE_DESCRIPTION_LENGTH) violations.push({ field: 'description', description: `must be at most ${MAX_TEMPLATE_DESCRIPTION_LENGTH} characters` });
  throwIfViolations(violations);
  return canonicalTemplate(converted.spec!);
}

/**
 * The launch checks on the template as a dry run (nothing is written): the
 * module resolves, its nodes, parameters and clouds exist, every value is
 * valid. Required inputs may be left to the launches.
 */
async function checkAsLaunch(deps: TemplateServiceDeps, repos: Repositories, tenantId: string, spec: TemplateSpec, catalog: CloudCatalog): Promise<void> {
  try {
    await planRunLaunch(
      repos,
      tenantId,
      {
        module: spec.module,
        defaultCloud: spec.defaultCloud || deps.defaultCloud,
        nodeClouds: spec.nodeClouds,
        parameters: spec.parameters,
        multiplicities: spec.multiplicities,
        tags: spec.tags,
        keepRunning: spec.keepRunning,
        scalable: spec.scalable,
        timeoutMinutes: spec.timeoutMinutes ?? 0,
        sshPublicKeys: spec.sshPublicKeys,
      },
      catalog,
      { requireInputs: false },
    );
  } catch (err) {
    // A template is a request to save: a module its launches cannot use is a bad field, not a missing object.
    const unavailable = moduleUnavailable(err);
    if (unavailable) throw new InvalidArgumentError([{ field: 'module', description: unavailable }]);
    throw err;
  }
}

function requireName(name: string): string {
  const problem = templateNameProblem(name);
  if (problem) throw new InvalidArgumentError([{ field: 'name', description: problem }]);
  return name;
}

/** Handlers of slipstream.v1.TemplateService. */
export function templateService(deps: TemplateServiceDeps): pb.TemplateServiceServer {
  return {
    saveTemplate: unaryRpc(deps, 'SaveTemplate', 'editor', async (req: pb.SaveTemplateRequest, ctx) => {
      const spec = requestedSpec(req.spec);
      const tenantId = ctx.principal.tenantId;
      const catalog = await deps.clouds.catalog();
      for (let attempt = 1; ; attempt++) {
        try {
          return await ctx.store.write(async (repos) => {
            await checkAsLaunch(deps, repos, tenantId, spec, catalog);
            const existing = await repos.templates.findRow(tenantId, spec.name);
            const latest = existing?.latestVersion ?? 0;
            if (req.expectedLatestVersion !== undefined && req.expectedLatestVersion !== latest) {
              throw new ConflictError(`template '${spec.name}' is at version ${latest}, not ${req.expectedLatestVersion}; read it again and retry`);
            }
            const contentHash = templateContentHash(spec);
            if (existing && !existing.deletedAt && (await repos.templates.latestHash(existing)) === contentHash) {
              const current = await repos.templates.findVersion(tenantId, spec.name);
              return { template: templateToProto(current!), created: false };
            }
            const saved = await repos.templates.appendVersion(existing, { tenantId, spec, contentHash, author: ctx.principal.userName, message: req.message });
            ctx.log.info({ template: spec.name, version: saved.info.version }, 'template version created');
            return { template: templateToProto(saved), created: true };
          });
        } catch (err) {
          // Without an expected version the caller asked for "whatever is latest": retry the race.
          if (!(err instanceof ConflictError) || req.expectedLatestVersion !== undefined || attempt >= SAVE_ATTEMPTS) throw err;
        }
      }
    }),

    getTemplate: unaryRpc(deps, 'GetTemplate', 'viewer', async (req: pb.GetTemplateRequest, ctx) => {
      const ref = parseTemplateReference(req.ref);
      if (!ref) throw new InvalidArgumentError([{ field: 'ref', description: templateReferenceProblem(req.ref) ?? 'must be NAME or NAME@VERSION' }]);
      const found = await ctx.store.read((repos) => repos.templates.findVersion(ctx.principal.tenantId, ref.name, ref.version));
      if (!found) throw new NotFoundError('template', req.ref);
      return { template: templateToProto(found) };
    }),

    listTemplates: unaryRpc(deps, 'ListTemplates', 'viewer', async (req: pb.ListTemplatesRequest, ctx) => {
      const page = await ctx.store.read((repos) => repos.templates.list(ctx.principal.tenantId, req.pageSize, req.pageToken));
      return { templates: page.rows.map(templateSummaryToProto), nextPageToken: page.next };
    }),

    listTemplateVersions: unaryRpc(deps, 'ListTemplateVersions', 'viewer', async (req: pb.ListTemplateVersionsRequest, ctx) => {
      const name = requireName(req.name);
      const page = await ctx.store.read(async (repos) => {
        const row = await repos.templates.findRow(ctx.principal.tenantId, name);
        if (!row) throw new NotFoundError('template', name);
        return repos.templates.listVersions(row, req.pageSize, req.pageToken);
      });
      return { versions: page.rows.map(templateVersionToProto), nextPageToken: page.next };
    }),

    deleteTemplate: unaryRpc(deps, 'DeleteTemplate', 'editor', async (req: pb.DeleteTemplateRequest, ctx) => {
      const name = requireName(req.name);
      await ctx.store.write(async (repos) => repos.templates.markDeleted(await repos.templates.getLiveRow(ctx.principal.tenantId, name), new Date()));
      ctx.log.info({ template: name }, 'template deleted');
      return {};
    }),
  };
}
