import { createReadStream } from 'node:fs';
import * as pb from '../../../proto/gen/slipstream/v1/runs.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError, PermissionDeniedError, throwIfViolations } from '../../../common/errors.js';
import { launchEventText } from '../../domain/runs/launch-event-text.js';
import { launchSyntaxViolations, planRunLaunch } from './launch-planning.js';
import { launchChoices } from './template-launch.js';
import { withBuiltImages } from './built-image-use.js';
import type { CloudDirectory } from '../../scheduler/cloud-directory.js';
import { formatParameterKey, parseParameterKey, valueTooLarge, writtenOnlyByController } from '../../domain/runs/parameter-keys.js';
import { activeInstances } from '../../domain/runs/instance-lookups.js';
import { isFinal } from '../../../common/runs/states.js';
import type { RunState } from '../../../common/runs/states.js';
import type { AgentHub } from '../../scheduler/agent-hub.js';
import type { RunBus } from '../../scheduler/run-bus.js';
import type { RunEngine } from '../../scheduler/run-engine.js';
import type { RunRow } from '../../store/entities/run.js';
import type { Repositories } from '../../store/repositories/index.js';
import { logLineToProto, runEventToProto, runParameterToProto, runReportToProto } from '../convert/runs.js';
import { keepRunningFromProto } from '../../../common/convert/runs.js';
import { streamRpc, unaryRpc, type ApiDeps, type RpcContext } from '../rpc.js';
import { requireRevealRole, revealEvent } from './parameter-reveal.js';
import { callerTenant, controllerHostClouds, enforceQuotas } from './quotas.js';
import { runView } from './run-views.js';
import { validateWatchRun, watchRun } from './run-watch.js';
import { watchRuns } from './runs-watch.js';
import { listRunsFilter, watchRunsRequest } from './run-list-filter.js';
import type { RunPlacement } from '../../scheduler/run-ownership.js';
import type { RunDeletion } from '../../scheduler/run-deletion.js';
import { isUuid } from '../../store/repositories/ids.js';

/** Instances and parameters a launch inserts from which the run tables' statistics are refreshed (Store.refreshRunStatistics). */
const LARGE_LAUNCH_ROWS = 1_000;

export interface RunServiceDeps extends ApiDeps {
  engine: RunEngine;
  bus: RunBus;
  hub: AgentHub;
  clouds: CloudDirectory;
  /** The cloud of nodes that name none when the launch names none either. */
  defaultCloud: string;
  /** Which replica a new run goes to. */
  placement: RunPlacement;
  /** Deletes final runs for good (DeleteRun). */
  deletion: RunDeletion;
}

/** The caller's run, or NOT_FOUND (also for other tenants' runs). */
async function tenantRun(repos: Repositories, ctx: RpcContext, id: string): Promise<RunRow> {
  const row = await repos.runs.findForTenant(ctx.principal.tenantId, id);
  if (!row) throw new NotFoundError('run', id);
  return row;
}

function requireLive(row: RunRow, action: string): void {
  if (isFinal(row.state as RunState)) {
    throw new FailedPreconditionError('RUN_FINISHED', row.id, `run ${row.id} is ${row.state}; it cannot ${action}`);
  }
}

/** Handlers of slipstream.v1.RunService. */
export function runService(deps: RunServiceDeps): pb.RunServiceServer {
  const view = (ctx: RpcContext, id: string) => ctx.store.read(async (repos) => runView(repos, deps.hub, await tenantRun(repos, ctx, id)));
  return {
    launchRun: unaryRpc(deps, 'LaunchRun', 'deployer', async (req: pb.LaunchRunRequest, ctx) => {
      if (req.requestId.length > 128) throw new InvalidArgumentError([{ field: 'request_id', description: 'must be at most 128 characters' }]);
      const keepRunning = keepRunningFromProto(req.keepRunning);
      if (req.keepRunning !== pb.KeepRunning.KEEP_RUNNING_UNSPECIFIED && !keepRunning) {
        throw new InvalidArgumentError([{ field: 'keep_running', description: 'is not a known value' }]);
      }
      const choices = await launchChoices(ctx, {
        module: req.module,
        defaultCloud: req.defaultCloud,
        nodeClouds: req.nodeClouds,
        parameters: req.parameters,
        multiplicities: req.multiplicities,
        tags: req.tags,
        keepRunning,
        scalable: req.scalable,
        timeoutMinutes: req.timeoutMinutes,
        sshPublicKeys: req.sshPublicKeys,
      }, req.template, deps.defaultCloud);
      throwIfViolations(launchSyntaxViolations(choices));
      // One read of the clouds for both: what the launch may name, and which of them run on the controller's host.
      const definitions = await deps.clouds.list();
      const catalog = await deps.clouds.catalog(definitions);
      const hostClouds = await controllerHostClouds(deps.clouds, definitions);
      const runId = await ctx.store.write(async (repos) => {
        if (req.requestId) {
          const earlier = await repos.runs.findByRequestId(ctx.principal.tenantId, req.requestId);
          if (earlier) return { id: earlier.id, created: false, rows: 0, lease: undefined };
        }
        const { resolved: plan, launch } = await planRunLaunch(repos, ctx.principal.tenantId, choices, catalog);
        // Nodes whose component was built into an image on their cloud boot it (ImageService).
        const booted = await withBuiltImages(repos, ctx.principal.tenantId, launch.plan, launch.instances);
        await enforceQuotas(repos, callerTenant(ctx.principal), launch.instances.map((i) => i.cloud), hostClouds);
        const lease = await deps.placement.placeNewRun(launch.instances.some((i) => hostClouds.has(i.cloud)));
        const run = await repos.runs.create({
          lease,
          tenantId: ctx.principal.tenantId,
          owner: ctx.principal.userName,
          plan: booted.plan,
          keepRunning: launch.keepRunning,
          scalable: choices.scalable,
          timeoutMinutes: launch.timeoutMinutes,
          defaultCloud: choices.defaultCloud,
          tags: choices.tags,
          sshKeys: choices.sshPublicKeys,
          requestId: req.requestId || null,
          template: choices.template?.ref ?? null,
          nodes: launch.nodes,
          instances: launch.instances,
          parameters: launch.parameters,
        });
        repos.journal.append(run, [
          { kind: 'event', type: 'launch', actor: `user:${ctx.principal.userName}`, text: `${launchEventText(choices.module, plan.module, plan.tenant)}${choices.template ? ` from template ${choices.template.ref}` : ''}` },
          ...booted.events.map((text) => ({ kind: 'event' as const, type: 'image', actor: 'controller', text })),
        ]);
        await repos.flush();
        return { id: run.id, created: true, rows: launch.instances.length + launch.parameters.length, lease };
      });
      if (runId.created) {
        ctx.log.info({ runId: runId.id, module: choices.module, template: choices.template?.ref }, 'run launched');
        if (runId.rows >= LARGE_LAUNCH_ROWS) {
          // Not awaited: the run starts at once, its statements find their rows through the index once the statistics land.
          deps.store.refreshRunStatistics().catch((err: unknown) => ctx.log.warn({ err, runId: runId.id }, 'refreshing the run tables’ statistics failed'));
        }
        await deps.placement.placed(runId.id, runId.lease!);
        await deps.engine.dispatch(runId.id, { type: 'launch' });
      }
      return { run: await view(ctx, runId.id) };
    }),

    getRun: unaryRpc(deps, 'GetRun', 'viewer', async (req: pb.GetRunRequest, ctx) => ({ run: await view(ctx, req.id) })),

    listRuns: unaryRpc(deps, 'ListRuns', 'viewer', async (req: pb.ListRunsRequest, ctx) => {
      const filter = listRunsFilter(req);
      return ctx.store.read(async (repos) => {
        const page = await repos.runs.list(ctx.principal.tenantId, filter, req.pageSize, req.pageToken);
        const runs = [];
        for (const row of page.rows) runs.push(await runView(repos, deps.hub, row, { withoutWarnings: true }));
        return { runs, nextPageToken: page.next };
      });
    }),

    watchRun: streamRpc(deps, 'WatchRun', 'viewer', async (req: pb.WatchRunRequest, ctx) => {
      validateWatchRun(req);
      await ctx.store.read((repos) => tenantRun(repos, ctx, req.id));
      await watchRun(deps, ctx, req);
    }),

    watchRuns: streamRpc(deps, 'WatchRuns', 'viewer', async (req: pb.WatchRunsRequest, ctx) => {
      await watchRuns(deps, ctx, watchRunsRequest(req));
    }),

    terminateRun: unaryRpc(deps, 'TerminateRun', 'deployer', async (req: pb.TerminateRunRequest, ctx) => {
      const row = await ctx.store.read((repos) => tenantRun(repos, ctx, req.id));
      requireLive(row, 'be terminated');
      await deps.engine.dispatch(row.id, { type: 'terminate', actor: `user:${ctx.principal.userName}` });
      return { run: await view(ctx, row.id) };
    }),

    deleteRun: unaryRpc(deps, 'DeleteRun', 'deployer', async (req: pb.DeleteRunRequest, ctx) => {
      if (!isUuid(req.id)) throw new InvalidArgumentError([{ field: 'id', description: 'must be a run id (a UUID)' }]);
      const row = await ctx.store.read((repos) => tenantRun(repos, ctx, req.id));
      if (!isFinal(row.state)) {
        throw new FailedPreconditionError('RUN_NOT_FINAL', row.id, `run ${row.id} is ${row.state}; terminate it first, and delete it once it is final`);
      }
      const [deleted] = await deps.deletion.delete([row.id]);
      if (!deleted) {
        // Final, yet not deletable: deleted meanwhile (by retention or another call), or a VM of it may still exist.
        const still = await ctx.store.read((repos) => repos.runs.findForTenant(ctx.principal.tenantId, row.id));
        if (!still) throw new NotFoundError('run', row.id);
        throw new FailedPreconditionError('RUN_HAS_VMS', row.id, `run ${row.id} is ${row.state} but some of its VMs may still exist; try again once they are destroyed`);
      }
      ctx.log.info({ runId: row.id, state: row.state }, 'run deleted');
      return {};
    }),

    abortRun: unaryRpc(deps, 'AbortRun', 'deployer', async (req: pb.AbortRunRequest, ctx) => {
      const row = await ctx.store.read((repos) => tenantRun(repos, ctx, req.id));
      requireLive(row, req.cancel ? 'have its abort cancelled' : 'be aborted');
      if (!req.cancel && req.message.trim() === '') throw new InvalidArgumentError([{ field: 'message', description: 'is required to abort' }]);
      const actor = `user:${ctx.principal.userName}`;
      await deps.engine.dispatch(row.id, req.cancel ? { type: 'cancel-abort', actor } : { type: 'abort', message: req.message, actor });
      return { run: await view(ctx, row.id) };
    }),

    scaleRun: unaryRpc(deps, 'ScaleRun', 'deployer', async (req: pb.ScaleRunRequest, ctx) => {
      const loaded = await ctx.store.read(async (repos) => repos.runs.load((await tenantRun(repos, ctx, req.id)).id));
      const { row, model } = loaded!;
      if (!model.scalable) throw new FailedPreconditionError('NOT_SCALABLE', row.id, `run ${row.id} was not launched scalable`);
      if (model.state !== 'Ready' || model.scale) {
        throw new FailedPreconditionError('NOT_READY', row.id, `run ${row.id} is ${model.state}${model.scale ? ' with a scale action in progress' : ''}; scale actions start from Ready, one at a time`);
      }
      if (model.abortMessage !== undefined) throw new FailedPreconditionError('ABORTED', row.id, `run ${row.id} is aborted; cancel the abort before scaling`);
      const actor = `user:${ctx.principal.userName}`;
      let result;
      if (req.action === pb.ScaleAction.SCALE_ACTION_ADD) {
        const node = model.nodes.find((n) => n.name === req.node);
        const violations = [];
        if (!node) violations.push({ field: 'node', description: `unknown node '${req.node}'` });
        if (!Number.isInteger(req.count) || req.count < 1 || req.count > 1000) violations.push({ field: 'count', description: 'must be 1 to 1000' });
        throwIfViolations(violations);
        const cloud = model.instances.find((i) => i.node === req.node)?.cloud ?? row.defaultCloud;
        const hostClouds = await controllerHostClouds(deps.clouds);
        await ctx.store.read((repos) => enforceQuotas(repos, callerTenant(ctx.principal), Array.from({ length: req.count }, () => cloud), hostClouds));
        result = await deps.engine.dispatch(row.id, { type: 'scale-add', node: req.node, count: req.count, cloud, actor });
      } else if (req.action === pb.ScaleAction.SCALE_ACTION_REMOVE) {
        const active = new Set(activeInstances(model).map((i) => i.name));
        const violations = req.instances.flatMap((name, i) =>
          active.has(name) ? [] : [{ field: `instances[${i}]`, description: `'${name}' is not an active instance of this run` }],
        );
        if (req.instances.length === 0) violations.push({ field: 'instances', description: 'name at least one instance to remove' });
        const nodes = new Set(req.instances.map((n) => n.split('.')[0]));
        if (nodes.size > 1) violations.push({ field: 'instances', description: 'one scale action removes instances of one node' });
        throwIfViolations(violations);
        result = await deps.engine.dispatch(row.id, { type: 'scale-remove', instances: [...new Set(req.instances)], actor });
      } else {
        throw new InvalidArgumentError([{ field: 'action', description: 'must be ADD or REMOVE' }]);
      }
      return { run: await view(ctx, row.id), instances: result?.scale?.instances ?? [] };
    }),

    getRunParameter: unaryRpc(deps, 'GetRunParameter', 'viewer', async (req: pb.GetRunParameterRequest, ctx) => {
      const parsed = parseParameterKey(req.key);
      if (!parsed) throw new InvalidArgumentError([{ field: 'key', description: 'must be node.N:name, node:name or ss:name' }]);
      const { run, param } = await ctx.store.read(async (repos) => {
        const found = await tenantRun(repos, ctx, req.id);
        return { run: found, param: await repos.parameters.get(found.id, formatParameterKey(parsed)) };
      });
      // After the run lookup: another tenant's run stays NOT_FOUND whoever asks.
      if (req.reveal) requireRevealRole(ctx.principal);
      if (!param) throw new NotFoundError('parameter', req.key);
      if (!req.reveal || !param.secret) return { parameter: runParameterToProto(param) };
      // Audited before the value leaves: a reveal that cannot be recorded does not happen.
      await deps.engine.recordEvent(run.id, revealEvent(param.key, ctx.principal));
      ctx.log.info({ runId: run.id, key: param.key }, 'parameter revealed');
      return { parameter: runParameterToProto(param, true) };
    }),

    setRunParameter: unaryRpc(deps, 'SetRunParameter', 'deployer', async (req: pb.SetRunParameterRequest, ctx) => {
      const parsed = parseParameterKey(req.key);
      const violations = [];
      if (!parsed) violations.push({ field: 'key', description: 'must be node.N:name, node:name or ss:name' });
      if (valueTooLarge(req.value)) violations.push({ field: 'value', description: 'must be at most 64 KiB' });
      throwIfViolations(violations);
      const canonical = formatParameterKey(parsed!);
      const row = await ctx.store.read(async (repos) => {
        const run = await tenantRun(repos, ctx, req.id);
        if (!(await repos.parameters.get(run.id, canonical))) throw new NotFoundError('parameter', req.key);
        return run;
      });
      if (writtenOnlyByController(canonical)) throw new PermissionDeniedError(`${canonical} is written only by the controller`);
      requireLive(row, 'have parameters set');
      await deps.engine.setParameters(row.id, [{ key: canonical, value: req.value }], `user:${ctx.principal.userName}`);
      const param = await ctx.store.read((repos) => repos.parameters.get(row.id, canonical));
      return { parameter: runParameterToProto(param!) };
    }),

    listRunParameters: unaryRpc(deps, 'ListRunParameters', 'viewer', async (req: pb.ListRunParametersRequest, ctx) => {
      const rows = await ctx.store.read(async (repos) => repos.parameters.list((await tenantRun(repos, ctx, req.id)).id, req.prefix));
      return { parameters: rows.map((r) => runParameterToProto(r)) };
    }),

    listRunEvents: unaryRpc(deps, 'ListRunEvents', 'viewer', async (req: pb.ListRunEventsRequest, ctx) => {
      const rows = await ctx.store.read(async (repos) =>
        repos.journal.entries((await tenantRun(repos, ctx, req.id)).id, req.afterSequence, ['event'], clampPage(req.pageSize)),
      );
      return { events: rows.map((r) => runEventToProto({ ...r, kind: 'event' })) };
    }),

    listRunLogs: unaryRpc(deps, 'ListRunLogs', 'viewer', async (req: pb.ListRunLogsRequest, ctx) => {
      const { runId, rows } = await ctx.store.read(async (repos) => {
        const runId = (await tenantRun(repos, ctx, req.id)).id;
        return { runId, rows: await repos.journal.entries(runId, req.afterSequence, ['log'], clampPage(req.pageSize, 5000), req.instance || undefined) };
      });
      return { lines: rows.map((r) => logLineToProto(runId, { ...r, kind: 'log' })), lastSequence: rows.at(-1)?.sequence ?? req.afterSequence };
    }),

    listRunReports: unaryRpc(deps, 'ListRunReports', 'viewer', async (req: pb.ListRunReportsRequest, ctx) => {
      const rows = await ctx.store.read(async (repos) => repos.reports.ofRun((await tenantRun(repos, ctx, req.id)).id));
      return { reports: rows.map(runReportToProto) };
    }),

    downloadRunReport: streamRpc(deps, 'DownloadRunReport', 'viewer', async (req: pb.DownloadRunReportRequest, ctx) => {
      const report = await ctx.store.read(async (repos) => repos.reports.find((await tenantRun(repos, ctx, req.id)).id, req.instance, req.name));
      if (!report) throw new NotFoundError('report', `${req.instance}/${req.name}`);
      await ctx.write({ report: runReportToProto(report), chunk: Buffer.alloc(0) });
      for await (const chunk of createReadStream(report.path, { highWaterMark: 64 * 1024, signal: ctx.signal })) {
        if (ctx.signal.aborted) return;
        await ctx.write({ report: undefined, chunk: chunk as Buffer });
      }
    }),
  };
}

function clampPage(size: number, max = 1000): number {
  return size <= 0 ? Math.min(500, max) : Math.min(size, max);
}
