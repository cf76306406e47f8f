import type { Logger } from 'pino';
import type { AgentConfig } from '../../agent/config.js';
import { renderCloudInit } from '../connectors/boot/cloud-init.js';
import type { CloudDirectory } from './cloud-directory.js';
import { ConnectorError, runsOnControllerHost, type CloudConnector, type VmSpec } from '../connectors/connector.js';
import type { ResolvedPlan } from '../../common/modules/types.js';
import type { Store } from '../store/store.js';
import { BOOTSTRAP_TOKEN_TTL_MS, hashAgentSecret, type BootstrapTokens } from '../auth/bootstrap-tokens.js';
import type { RunInstanceRow } from '../store/entities/run-instance.js';
import type { RunRow } from '../store/entities/run.js';
import { Batcher } from '../concurrency/batcher.js';
import { withRetries } from '../connectors/retry.js';
import { Semaphore } from '../concurrency/semaphore.js';
import type { RunEffects, RunInputs } from './run-loop.js';
import { makesRemoteVms, remoteCloudProblem } from '../remote-clouds.js';
import { abortable, stopController } from '../concurrency/abortable.js';

export interface ProvisionerOptions {
  controllerId: string;
  /** The address agents dial back to (known once the server is bound). */
  agentAddress: () => string;
  /** Replicas: every live replica's agent address, this one's first; agents move to the next when one fails. */
  agentAddresses?: () => readonly string[];
  /** Replicas: binds the run to this host's replicas before a VM only they reach (`local`) is made. */
  bindToHost?: (runId: string) => Promise<void>;
  /** Plaintext agent channel (the `local` driver). */
  insecureAgents: boolean;
  /** Why VMs on other machines could not reach this controller (AdvertisedAddresses.unreachable): provisioning on such clouds fails. */
  remoteVmsUnreachable?: string;
  caCertificate?: string;
  /** Where VMs download the agent bundle, and its sha256: settles once the bundle is built and served. */
  bundle: () => Promise<{ url: string; sha256: string }>;
}

interface Prepared {
  run: RunRow;
  /** The run's plan, parsed once for the batch. */
  plan: ResolvedPlan;
  row: RunInstanceRow;
  token: string;
}

/** Creates and destroys VMs for runs (the engine's RunEffects), reporting outcomes back as state machine inputs. */
export class Provisioner implements RunEffects {
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly cancels = new Map<string, AbortController>();
  private readonly limits = new Map<string, Semaphore>();
  /** Aborted by letGo: the controller stops, the cloud calls in flight are not waited for. */
  private readonly stopping = stopController();

  constructor(
    private readonly store: Store,
    private readonly clouds: CloudDirectory,
    private readonly tokens: BootstrapTokens,
    private readonly options: ProvisionerOptions,
    private readonly inputs: RunInputs,
    private readonly log: Logger,
  ) {}

  /**
   * Gives instances their bootstrap token hashes before their VMs are made;
   * a run's instances provisioned together are prepared in one transaction.
   */
  private readonly preparations = new Batcher<string, Prepared | undefined>((runId, instances) =>
    this.store.write(async (repos) => {
      const run = await repos.runs.findById(runId);
      if (!run) return instances.map(() => undefined);
      const rows = new Map((await repos.instances.byName(runId, instances)).map((r) => [r.name, r]));
      const plan = JSON.parse(run.plan) as ResolvedPlan;
      const hashes = new Map<string, string>();
      const prepared = instances.map((instance) => {
        const row = rows.get(instance);
        if (!row || row.vm !== 'pending') return undefined;
        const token = this.tokens.tokenFor(runId, instance);
        if (!row.bootstrapHash) hashes.set(instance, hashAgentSecret(token));
        return { run, plan, row, token };
      });
      await repos.instances.setColumn(runId, 'bootstrapHash', hashes, { bootstrapExpiresAt: new Date(Date.now() + BOOTSTRAP_TOKEN_TTL_MS) });
      return prepared;
    }),
  );

  /** Instances provisioned together on one cloud look its connector (cloud and credential rows) up once. */
  private readonly connectors = new Batcher<undefined, CloudConnector>(async (key, requests) => {
    const [cloud, tenant] = key.split('\n') as [string, string];
    const connector = await this.clouds.connector(cloud, tenant);
    return requests.map(() => connector);
  });

  /** The per-cloud concurrency limit, sized by the cloud's connector the first time. */
  private limit(cloud: string, connector: CloudConnector): Semaphore {
    let semaphore = this.limits.get(cloud);
    if (!semaphore) this.limits.set(cloud, (semaphore = new Semaphore(Math.max(1, connector.capabilities().maxParallelProvisioning))));
    return semaphore;
  }

  /** Starts provisioning an instance (once: a second call while one is in flight joins it). */
  provision(runId: string, instance: string): Promise<void> {
    const key = `${runId}/${instance}`;
    const existing = this.inflight.get(key);
    if (existing) return existing;
    const cancel = new AbortController();
    const task = this.provisionOnce(runId, instance, AbortSignal.any([cancel.signal, this.stopping.signal])).finally(() => {
      this.inflight.delete(key);
      this.cancels.delete(key);
    });
    this.inflight.set(key, task);
    this.cancels.set(key, cancel);
    return task;
  }

  private async provisionOnce(runId: string, instance: string, signal: AbortSignal): Promise<void> {
    const bundle = await this.options.bundle();
    const prepared = await this.preparations.submit(runId, instance);
    if (!prepared) return;
    const { run, plan, row, token } = prepared;
    const node = plan.nodes.find((n) => n.name === row.node);
    const log = this.log.child({ runId, instance, cloud: row.cloud });
    try {
      if (!node) throw new ConnectorError('invalid', `node '${row.node}' is not in the run's plan`);
      // An image built from this component on this cloud, when the launch found one (ImageService), else its base image.
      const image = node.builtImages?.[row.cloud]?.imageId ?? node.images[row.cloud];
      if (!image) throw new ConnectorError('invalid', `component ${node.component.path}@${node.component.version} has no image for cloud '${row.cloud}'`);
      const addresses = this.options.agentAddresses?.() ?? [];
      const agentConfig: AgentConfig = {
        controller: this.options.agentAddress(),
        ...(addresses.length > 1 ? { controllerAddresses: [...addresses] } : {}),
        runId,
        instance,
        bootstrapToken: token,
        ...(this.options.insecureAgents ? { insecure: true } : { caCertificate: this.options.caCertificate! }),
      };
      const bootConfig = {
        agentConfig,
        bundleUrl: bundle.url,
        bundleSha256: bundle.sha256,
        ...(this.options.caCertificate ? { caCertificate: this.options.caCertificate } : {}),
      };
      let userData: string | undefined;
      const spec: VmSpec = {
        tags: { controllerId: this.options.controllerId, tenant: run.tenant, runId, instance },
        image,
        ...(node.resources.cpu !== undefined ? { cpu: node.resources.cpu } : {}),
        ...(node.resources.ramGB !== undefined ? { ramGB: node.resources.ramGB } : {}),
        ...(node.resources.diskGB !== undefined ? { diskGB: node.resources.diskGB } : {}),
        options: node.resources.clouds?.[row.cloud] ?? {},
        agentConfig,
        // Rendered when a connector reads it: drivers that do not boot from cloud-init (sim) skip the YAML.
        get userData() {
          return (userData ??= renderCloudInit(bootConfig));
        },
        idempotencyKey: `${runId}/${instance}`,
      };
      const connector = await this.connectors.submit(`${row.cloud}\n${run.tenant}`, undefined).catch((err: unknown) => {
        throw new ConnectorError('invalid', (err as Error).message);
      });
      const driver = this.clouds.driver(connector.driver);
      // A cloud another replica added, or one stored before this start's refusal was in place: no VM that cannot call home.
      if (this.options.remoteVmsUnreachable !== undefined && makesRemoteVms(driver)) {
        throw new ConnectorError('invalid', remoteCloudProblem({ name: row.cloud, driver: connector.driver }, this.options.remoteVmsUnreachable));
      }
      if (driver && runsOnControllerHost(driver)) await this.options.bindToHost?.(runId);
      // abortable: a driver's SDK call need not end at the signal.
      const vm = await this.limit(row.cloud, connector).run(() => {
        signal.throwIfAborted();
        return withRetries(() => abortable(connector.provision(spec, signal), signal), { attempts: 5, baseDelayMs: 200, maxDelayMs: 10_000, signal });
      });
      const ip = vm.ip ?? (await this.ipOf(connector, vm.vmId, log, signal));
      if (this.stopped) return this.lettingGo(log);
      log.info({ vmId: vm.vmId, ip }, 'vm provisioned');
      // The instance's `ip` and `instanceid` are written with its VM: what the cloud says, never what the VM says.
      await this.inputs.dispatch(runId, { type: 'vm-running', instance, vmId: vm.vmId, ...(ip ? { ip } : {}) });
    } catch (err) {
      if (this.stopped) return this.lettingGo(log);
      const message = signal.aborted
        ? 'provisioning cancelled: the VM is being destroyed'
        : err instanceof ConnectorError
          ? `${err.kind}: ${err.message}`
          : 'internal error while provisioning';
      if (signal.aborted) log.info('provisioning cancelled');
      else if (err instanceof ConnectorError) log.warn({ kind: err.kind, message: err.message }, 'provisioning failed');
      else log.error({ err }, 'provisioning failed');
      await this.store.write(async (repos) => {
        const fresh = await repos.instances.find(runId, instance);
        if (fresh) {
          fresh.lastError = message;
          await repos.flush();
        }
      });
      await this.inputs.dispatch(runId, { type: 'provisioning-failed', instance, message });
    }
  }

  /**
   * The VM's address when its create call did not tell it: the cloud is asked
   * once more. Without one the instance's `ip` stays unset (its VM cannot set
   * it), and a recipe waiting on it times out naming it.
   */
  private async ipOf(connector: CloudConnector, vmId: string, log: Logger, signal: AbortSignal): Promise<string | undefined> {
    try {
      const ip = (await abortable(connector.describe(vmId), signal))?.ip;
      if (!ip) log.warn({ vmId }, 'the cloud reported no ip for the vm; its ip parameter stays unset');
      return ip;
    } catch (err) {
      log.warn({ vmId, err }, 'describing the vm for its ip failed; its ip parameter stays unset');
      return undefined;
    }
  }

  /** Destroys the instances' VMs (waiting for in-flight creations first), then reports them destroyed. */
  async destroy(runId: string, instances: readonly string[]): Promise<void> {
    // A VM not created yet need not be: cancel the create (a VM it made anyway has its id stored).
    for (const instance of instances) this.cancels.get(`${runId}/${instance}`)?.abort();
    await Promise.all(instances.map((i) => this.inflight.get(`${runId}/${i}`)?.catch(() => undefined)));
    const { rows, tenant } = await this.store.read(async (repos) => ({
      rows: await repos.instances.ofRun(runId),
      tenant: (await repos.runs.findById(runId))?.tenant ?? '',
    }));
    const destroyed: string[] = [];
    const wanted = new Set(instances);
    await Promise.all(
      rows
        .filter((r) => wanted.has(r.name))
        .map(async (row) => {
          try {
            if (row.vmId) {
              const connector = await this.clouds.connector(row.cloud, tenant);
              const signal = this.stopping.signal;
              await withRetries(() => abortable(connector.terminate(row.vmId!), signal), { attempts: 5, baseDelayMs: 200, maxDelayMs: 10_000, signal });
            }
            destroyed.push(row.name);
          } catch (err) {
            // Let go of: the run stays Finalizing, and its next owner destroys the VM.
            if (this.stopped) return this.log.info({ runId, instance: row.name, vmId: row.vmId }, 'terminate let go of: the controller stops');
            this.log.error({ err, runId, instance: row.name }, 'terminate failed; it is retried while the run is Finalizing');
          }
        }),
    );
    if (destroyed.length > 0 && !this.stopped) await this.inputs.dispatch(runId, { type: 'vms-destroyed', instances: destroyed });
  }

  /** See RunEffects.letGo. */
  letGo(): void {
    this.stopping.abort(new Error('the controller stops'));
  }

  private get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  /** A provisioning let go of writes and reports nothing: the instance stays pending, and the run's next owner provisions it. */
  private lettingGo(log: Logger): void {
    log.info('provisioning let go of: the controller stops');
  }
}
