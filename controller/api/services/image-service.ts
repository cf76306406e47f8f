/**
 * Handlers of slipstream.v1.ImageService: an image build is a run of kind
 * `image_build` (one instance of the component on the cloud, its deployment
 * recipe left out, keepRunning never) plus its built_images record; the
 * engine and ImageSnapshots take it from there. Editors and admins build and
 * delete images (they change what the catalog's runs boot); every role lists them.
 */
import * as pb from '../../../proto/gen/slipstream/v1/images.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError, throwIfViolations, type FieldViolation } from '../../../common/errors.js';
import { moduleReferenceProblem, modulePathProblem } from '../../../common/modules/refs.js';
import { DEFAULT_TIMEOUT_MINUTES, timeoutMinutesProblem } from '../../../common/runs/run-timeout.js';
import { buildsImages, imagePreparationOf } from '../../connectors/connector.js';
import { resolveModule } from '../../domain/modules/resolve.js';
import { imageBuildPlan } from '../../domain/images/build-plan.js';
import { imageSourceDigest } from '../../domain/images/source-digest.js';
import { planLaunch } from '../../domain/runs/launch.js';
import { cannotBuildImages } from '../../scheduler/image-snapshots.js';
import { isUuid } from '../../store/repositories/ids.js';
import { builtImageToProto } from '../convert/images.js';
import { unaryRpc, type RpcContext } from '../rpc.js';
import { tenantCatalogLookup } from './catalog-lookup.js';
import { callerTenant, controllerHostClouds, enforceQuotas } from './quotas.js';
import type { RunServiceDeps } from './run-service.js';

/** What the image service needs: the run service's (it launches runs). */
export type ImageServiceDeps = RunServiceDeps;

/** planLaunch names the build's cloud `default_cloud`; BuildImage calls it `cloud`. */
function asBuildViolation(v: FieldViolation): FieldViolation {
  return v.field === 'default_cloud' ? { ...v, field: 'cloud' } : v;
}

/** The connector's refusal to build images on `cloud`, or what its VMs run before they are imaged (ImagePreparer). */
async function imageBuildCloud(deps: ImageServiceDeps, cloud: string, tenantId: string): Promise<{ problem: string } | { preparation: string | undefined }> {
  let connector;
  try {
    connector = await deps.clouds.connector(cloud, tenantId);
  } catch (err) {
    return { problem: `cloud ${cloud}: ${(err as Error).message}` };
  }
  return buildsImages(connector) ? { preparation: imagePreparationOf(connector) } : { problem: cannotBuildImages(cloud, connector.driver) };
}

/** Handlers of slipstream.v1.ImageService. */
export function imageService(deps: ImageServiceDeps): pb.ImageServiceServer {
  return {
    buildImage: unaryRpc(deps, 'BuildImage', 'editor', async (req: pb.BuildImageRequest, ctx) => {
      const violations: FieldViolation[] = [];
      const refProblem = moduleReferenceProblem(req.ref);
      if (refProblem) violations.push({ field: 'ref', description: `${refProblem} (PATH or PATH@VERSION of a component)` });
      if (req.cloud === '') violations.push({ field: 'cloud', description: 'is required: the cloud to build the image on' });
      const timeoutMinutes = req.timeoutMinutes === 0 ? DEFAULT_TIMEOUT_MINUTES : req.timeoutMinutes;
      const timeoutProblem = timeoutMinutesProblem(timeoutMinutes);
      if (timeoutProblem) violations.push({ field: 'timeout_minutes', description: timeoutProblem });
      throwIfViolations(violations);
      const definitions = await deps.clouds.list();
      const definition = definitions.find((c) => c.name === req.cloud);
      if (!definition) {
        throw new InvalidArgumentError([{ field: 'cloud', description: `unknown cloud '${req.cloud}'; known: ${definitions.map((c) => c.name).join(', ')}` }]);
      }
      const cloud = await imageBuildCloud(deps, req.cloud, ctx.principal.tenantId);
      if ('problem' in cloud) throw new InvalidArgumentError([{ field: 'cloud', description: cloud.problem }]);
      const catalog = await deps.clouds.catalog(definitions);
      const hostClouds = await controllerHostClouds(deps.clouds, definitions);
      const created = await ctx.store.write(async (repos) => {
        // The build's plan makes it one instance (imageBuildPlan).
        const resolved = await resolveModule(req.ref, tenantCatalogLookup(repos, ctx.principal.tenantId));
        if (resolved.kind !== 'component') {
          throw new FailedPreconditionError('NOT_A_COMPONENT', req.ref, `module '${req.ref}' is an ${resolved.kind}; images are built from components`);
        }
        const launch = planLaunch(
          imageBuildPlan(resolved, cloud.preparation),
          { defaultCloud: req.cloud, nodeClouds: {}, parameters: {}, tags: [], keepRunning: 'never', scalable: false, timeoutMinutes, sshPublicKeys: [] },
          catalog,
        );
        throwIfViolations(launch.violations.map(asBuildViolation));
        const plan = launch.plan!;
        const node = resolved.nodes[0]!;
        await enforceQuotas(repos, callerTenant(ctx.principal), plan.instances.map((i) => i.cloud), hostClouds);
        const lease = await deps.placement.placeNewRun(hostClouds.has(req.cloud));
        const run = await repos.runs.create({
          kind: 'image_build',
          lease,
          tenantId: ctx.principal.tenantId,
          owner: ctx.principal.userName,
          plan: plan.plan,
          keepRunning: 'never',
          scalable: false,
          timeoutMinutes: plan.timeoutMinutes,
          defaultCloud: req.cloud,
          tags: [],
          sshKeys: [],
          requestId: null,
          nodes: plan.nodes,
          instances: plan.instances,
          parameters: plan.parameters,
        });
        const build = repos.builtImages.create({
          id: run.id,
          tenantId: ctx.principal.tenantId,
          modulePath: node.component.path,
          moduleVersion: node.component.version,
          cloud: req.cloud,
          baseImage: node.images[req.cloud]!,
          sourceDigest: imageSourceDigest(node, req.cloud),
          builtBy: ctx.principal.userName,
        });
        const component = `${node.component.path}@${node.component.version}`;
        repos.journal.append(run, [
          { kind: 'event', type: 'launch', actor: `user:${ctx.principal.userName}`, text: `launched ${component} to build an image` },
          {
            kind: 'event',
            type: 'image',
            actor: `user:${ctx.principal.userName}`,
            text: `image build of ${component} on cloud ${req.cloud} started from base image ${build.baseImage}: preinstall, packages and postinstall, then a snapshot`,
          },
        ]);
        await repos.flush();
        return { run, build, lease };
      });
      ctx.log.info({ runId: created.run.id, ref: req.ref, cloud: req.cloud }, 'image build started');
      await deps.placement.placed(created.run.id, created.lease);
      await deps.engine.dispatch(created.run.id, { type: 'launch' });
      return { image: builtImageToProto(created.build) };
    }),

    listImages: unaryRpc(deps, 'ListImages', 'viewer', async (req: pb.ListImagesRequest, ctx) => {
      const violations: FieldViolation[] = [];
      const pathProblem = req.path ? modulePathProblem(req.path) : undefined;
      if (pathProblem) violations.push({ field: 'path', description: pathProblem });
      throwIfViolations(violations);
      const listed = await ctx.store.read((repos) => repos.builtImages.list(ctx.principal.tenantId, { path: req.path, cloud: req.cloud }));
      const rows = listed.some((r) => r.state === 'building') ? await ctx.store.write((repos) => repos.builtImages.settleEnded(listed)) : listed;
      return { images: rows.map(builtImageToProto) };
    }),

    deleteImage: unaryRpc(deps, 'DeleteImage', 'editor', async (req: pb.DeleteImageRequest, ctx) => {
      if (!isUuid(req.id)) throw new InvalidArgumentError([{ field: 'id', description: 'must be an image build id (a UUID)' }]);
      const row = await tenantBuild(ctx, req.id);
      if (row.state === 'building') {
        throw new FailedPreconditionError('IMAGE_BUILDING', row.id, `image build ${row.id} is in progress; abort or terminate its run first`);
      }
      if (row.imageId) {
        // The cloud's image goes first: a record forgotten while its image stays would leave it behind unseen.
        const connector = await deps.clouds.connector(row.cloud, ctx.principal.tenantId).catch(() => undefined);
        if (connector && buildsImages(connector)) {
          await connector.deleteImage(row.imageId).catch((err: unknown) => {
            throw new FailedPreconditionError('IMAGE_NOT_DELETED', row.id, `cloud ${row.cloud} did not delete image ${row.imageId}: ${(err as Error).message}`);
          });
        }
      }
      await ctx.store.write((repos) => repos.builtImages.delete(row.id));
      ctx.log.info({ build: row.id, imageId: row.imageId, cloud: row.cloud }, 'built image deleted');
      return {};
    }),
  };
}

/** The caller's build, or NOT_FOUND (also for other tenants' builds). */
async function tenantBuild(ctx: RpcContext, id: string) {
  const row = await ctx.store.read((repos) => repos.builtImages.findForTenant(ctx.principal.tenantId, id));
  if (!row) throw new NotFoundError('image', id);
  if (row.state !== 'building') return row;
  const [settled] = await ctx.store.write((repos) => repos.builtImages.settleEnded([row]));
  return settled!;
}
