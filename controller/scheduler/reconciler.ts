import type { Logger } from 'pino';
import type { CloudDirectory } from './cloud-directory.js';
import { runsOnControllerHost, type CloudConnector, type VmInfo } from '../connectors/connector.js';
import { withRetries } from '../connectors/retry.js';
import { abortable, stopController } from '../concurrency/abortable.js';
import type { RunInputs } from './run-loop.js';
import type { Store } from '../store/store.js';
import { isFinal } from '../../common/runs/states.js';
import { NO_RECONCILER_METRICS, type ReconcilerMetrics } from '../metrics/ports.js';

/** What one reconciliation pass did. */
export interface ReconcileReport {
  terminated: string[];
  lost: string[];
}

/** What the reconciler must know of the replicas sharing the database. */
export interface ReconcilerReplica {
  /** Whether this replica drives the run: only the owner declares a run's VMs lost. */
  owns(runId: string): boolean;
  /** Whether this replica runs the work that must run once (stray termination on shared clouds). */
  runsSingletonWork(): Promise<boolean>;
}

/**
 * Compares what the clouds run with what the runs expect, periodically:
 * VMs tagged by this controller that belong to finished, cancelled or unknown
 * runs (or to instances no longer in their run) are terminated, so no VM
 * leaks; instances whose VM vanished behind the controller's back are
 * reported lost, which aborts their run with a message naming them.
 *
 * Among replicas, every one runs it, each within its reach: it declares lost
 * only the VMs of runs it drives (never another replica's), and terminates
 * strays on clouds every replica sees only while it holds the singleton-work
 * lock; the VMs of its host's own clouds (`local`) only it can see, so it
 * always looks after those.
 */
export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ReconcileReport> | undefined;
  /**
   * Aborted by stop: a pass in flight ends at once, instead of running to its end. Listing and terminating on a
   * cloud can take minutes (retries included), and a cloud API that does not answer holds a call until the SDK's
   * timeout (EC2: 60 s, then retried); a controller's stop, which waits for the pass, must not (a 10,000-VM pass
   * held one for 0.7 s). The cloud call in flight is let go, not waited for: the pass writes nothing after it.
   * What the pass left undone the next does.
   */
  private readonly stopping = stopController();

  constructor(
    private readonly store: Store,
    private readonly clouds: CloudDirectory,
    private readonly inputs: RunInputs,
    private readonly controllerId: string,
    private readonly log: Logger,
    private readonly replica: ReconcilerReplica = { owns: () => true, runsSingletonWork: async () => true },
    private readonly metrics: ReconcilerMetrics = NO_RECONCILER_METRICS,
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.reconcile().catch((err: unknown) => this.log.error({ err }, 'reconciliation failed')), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.stopping.abort();
    await this.running?.catch(() => undefined);
  }

  /** One pass over every (tenant, cloud) this controller has VMs on; one pass at a time; after stop, none. */
  reconcile(): Promise<ReconcileReport> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  /** A cloud call, or its rejection the moment the reconciler stops. */
  private untilStopped<T>(call: Promise<T>): Promise<T> {
    return abortable(call, this.stopping.signal);
  }

  private async pass(): Promise<ReconcileReport> {
    const report: ReconcileReport = { terminated: [], lost: [] };
    if (this.stopped) return report;
    const pairs = await this.tenantClouds();
    const singleton = await this.replica.runsSingletonWork();
    for (const { tenantId, cloud } of pairs) {
      if (this.stopped) break;
      let connector: CloudConnector;
      let vms: VmInfo[];
      try {
        connector = await this.clouds.connector(cloud, tenantId);
        vms = await this.untilStopped(connector.listTagged({ controllerId: this.controllerId }));
      } catch (err) {
        if (this.stopped) break;
        this.log.warn({ cloud, tenantId, message: (err as Error).message }, 'cannot list the cloud; skipped this pass');
        this.metrics.found('cloud_unlisted', 1);
        continue;
      }
      if (singleton || this.onThisHost(connector)) await this.terminateStrays(connector, vms.filter((vm) => vm.tags.tenant === tenantId), report);
      if (this.stopped) break;
      await this.findLost(connector, tenantId, cloud, vms, report);
    }
    if (report.terminated.length || report.lost.length) this.log.info(report, 'reconciled');
    return report;
  }

  /**
   * Every (tenant, cloud) that may hold VMs of this controller: those of recent
   * runs, plus every cloud a tenant has credentials for and every built-in
   * cloud, so the VMs of a run whose rows are gone are still found.
   */
  private async tenantClouds(): Promise<{ tenantId: string; cloud: string }[]> {
    const builtIns = (await this.clouds.list()).filter((c) => c.builtIn).map((c) => c.name);
    const { recent, credentials, tenants } = await this.store.read(async (repos) => ({
      recent: await repos.instances.recentTenantClouds(new Date(Date.now() - 24 * 3600_000)),
      credentials: await repos.clouds.credentialPairs(),
      tenants: await repos.tenants.ids(),
    }));
    const pairs = new Map<string, { tenantId: string; cloud: string }>();
    const add = (tenantId: string, cloud: string) => pairs.set(`${tenantId}/${cloud}`, { tenantId, cloud });
    for (const p of [...recent, ...credentials]) add(p.tenantId, p.cloud);
    for (const tenantId of tenants) for (const cloud of builtIns) add(tenantId, cloud);
    return [...pairs.values()];
  }

  /** A cloud whose VMs only this host's replicas see (`local`). */
  private onThisHost(connector: CloudConnector): boolean {
    const driver = this.clouds.driver(connector.driver);
    return driver !== undefined && runsOnControllerHost(driver);
  }

  private async terminateStrays(connector: CloudConnector, vms: VmInfo[], report: ReconcileReport): Promise<void> {
    const live = vms.filter((vm) => vm.state !== 'terminated');
    const expected = await this.expectedVms(live);
    for (const vm of live) {
      if (this.stopped) return;
      if (expected.has(vm.vmId)) continue;
      let terminated = false;
      try {
        const terminate = async () => {
          await this.untilStopped(connector.terminate(vm.vmId));
          terminated = true;
        };
        // A stop cuts the retries' waits; a terminate that completed as the stop came (p-retry then throws) still counts.
        await withRetries(terminate, { attempts: 3, baseDelayMs: 200, maxDelayMs: 5_000, signal: this.stopping.signal }).catch((err: unknown) => {
          if (!terminated) throw err;
        });
        report.terminated.push(vm.vmId);
        this.metrics.found('stray_terminated', 1);
        this.log.warn({ vmId: vm.vmId, runId: vm.tags.runId, instance: vm.tags.instance }, 'terminated a VM no run needs');
      } catch (err) {
        // Its retries cut by the stop: not a failure; the next pass finds it again.
        if (this.stopped) return;
        this.log.error({ vmId: vm.vmId, message: (err as Error).message }, 'could not terminate a stray VM');
        this.metrics.found('stray_terminate_failed', 1);
      }
    }
  }

  /**
   * The ids of the VMs their run still expects: its run is live and its
   * instance is neither terminated nor removed, with this VM's id or none
   * stored yet (a create still in flight is the provisioner's). Two reads per
   * run, not per VM: a pass over a run of 10,000 VMs made 20,000 queries.
   */
  private async expectedVms(vms: readonly VmInfo[]): Promise<Set<string>> {
    const byRun = new Map<string, VmInfo[]>();
    for (const vm of vms) {
      const ofRun = byRun.get(vm.tags.runId);
      if (ofRun) ofRun.push(vm);
      else byRun.set(vm.tags.runId, [vm]);
    }
    return this.store.read(async (repos) => {
      const expected = new Set<string>();
      for (const [runId, ofRun] of byRun) {
        const run = await repos.runs.findById(runId);
        if (!run || isFinal(run.state)) continue;
        const instances = new Map((await repos.instances.byName(runId, ofRun.map((vm) => vm.tags.instance))).map((i) => [i.name, i]));
        for (const vm of ofRun) {
          const instance = instances.get(vm.tags.instance);
          if (instance && instance.vm !== 'terminated' && instance.scaleState !== 'removed' && (instance.vmId === null || instance.vmId === vm.vmId)) {
            expected.add(vm.vmId);
          }
        }
      }
      return expected;
    });
  }

  /**
   * True when the run is an image build whose snapshot was requested (its
   * image id stored) or is being requested (the run waits in Ready, not
   * aborted): imaging stops the VM on some clouds (Azure deallocates and
   * generalizes it), which is the build's doing, not a loss. Asked only of
   * stopped VMs; a VM gone or terminated is lost all the same.
   */
  private async stoppedByImageBuild(runId: string): Promise<boolean> {
    return this.store.read(async (repos) => {
      const build = await repos.builtImages.byRun(runId);
      if (!build || build.state === 'failed') return false;
      if (build.imageId !== null) return true;
      const run = await repos.runs.findById(runId);
      return run?.state === 'Ready' && run.abortMessage === null;
    });
  }

  private async findLost(connector: CloudConnector, tenantId: string, cloud: string, vms: VmInfo[], report: ReconcileReport): Promise<void> {
    const seen = new Map(vms.map((vm) => [vm.vmId, vm]));
    const expected = (await this.store.read((repos) => repos.instances.runningOn(tenantId, cloud))).filter((instance) => this.replica.owns(instance.runId));
    for (const instance of expected) {
      if (this.stopped) return;
      const listed = seen.get(instance.vmId);
      if (listed && listed.state !== 'terminated' && listed.state !== 'stopped') continue;
      // Listings can lag behind creation: confirm with a direct look before declaring it lost.
      const described = await this.untilStopped(connector.describe(instance.vmId)).catch(() => listed);
      // Let go of by a stop: what it would have said is unknown.
      if (this.stopped) return;
      if (described && described.state !== 'terminated' && described.state !== 'stopped') continue;
      if (described?.state === 'stopped' && (await this.stoppedByImageBuild(instance.runId))) {
        this.log.debug({ runId: instance.runId, instance: instance.name, vmId: instance.vmId }, 'VM stopped by its image build; not lost');
        continue;
      }
      report.lost.push(`${instance.runId}/${instance.name}`);
      this.metrics.found('instance_lost', 1);
      await this.inputs.dispatch(instance.runId, {
        type: 'instance-lost',
        instance: instance.name,
        message: `its VM ${instance.vmId} ${described ? `is ${described.state}` : 'no longer exists'} on cloud '${cloud}'${described?.detail ? `: ${described.detail}` : ''}`,
      });
    }
  }
}
