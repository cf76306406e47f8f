import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { AgentBundle } from '../agent/build.js';
import { provideAgentBundle } from './agent-bundle-source.js';
import { startBundleServer, type BundleServer } from './agent-bundle-server.js';
import { advertisedAddresses, isUnspecifiedHost, portOfUrl } from './advertised-address.js';
import { ConnectGateway } from './api/browser/connect-gateway.js';
import { DashboardFiles, dashboardFolder } from './dashboard/dashboard-files.js';
import { startApiServer, type ApiServer } from './api/server.js';
import { holdOnHost } from './api/listener.js';
import { AgentAuthenticator } from './auth/agent-authenticator.js';
import { Authenticator } from './auth/authenticator.js';
import { loadGivenPki, loadOrCreatePki } from './auth/pki.js';
import { bootstrapOperator } from './auth/bootstrap.js';
import { CredentialCipher, loadCredentialKey } from './auth/credential-cipher.js';
import { CloudDirectory } from './scheduler/cloud-directory.js';
import { createAzureDriver } from './connectors/azure/azure-driver.js';
import { createEc2Driver } from './connectors/ec2/ec2-driver.js';
import { createFakeDriver } from './connectors/fake/fake-driver.js';
import { createGcpDriver } from './connectors/gcp/gcp-driver.js';
import { createLocalDriver } from './connectors/local/local-driver.js';
import { LocalWorkRootError, prepareWorkRoot } from './connectors/local/work-root.js';
import { ConnectorRegistry } from './connectors/registry.js';
import { createSimDriver } from './connectors/sim/sim-driver.js';
import { controllerId } from './controller-identity.js';
import { secureDataDir } from './data-dir.js';
import type { CompiledControllerOptions } from './options.js';
import { AgentHub } from './scheduler/agent-hub.js';
import { BootstrapTokens } from './auth/bootstrap-tokens.js';
import { Provisioner } from './scheduler/provisioner.js';
import { ImageSnapshots } from './scheduler/image-snapshots.js';
import type { RunEffects } from './scheduler/run-loop.js';
import { Reconciler, type ReconcileReport } from './scheduler/reconciler.js';
import { RunDeletion } from './scheduler/run-deletion.js';
import { LocalVmRunFolders } from './connectors/local/run-folders.js';
import { DEFAULT_RETENTION_SWEEP, RunRetention } from './scheduler/run-retention.js';
import { RunBus } from './scheduler/run-bus.js';
import { RunEngine } from './scheduler/run-engine.js';
import { Store } from './store/store.js';
import { refuseRemoteClouds } from './remote-clouds.js';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { DatabaseLocks } from './cluster/database-locks.js';
import { PgNotifications } from './cluster/pg-notifications.js';
import { hostKeyOf, type ReplicaIdentity } from './cluster/replica-identity.js';
import { ReplicaMembership } from './cluster/replica-membership.js';
import { ReplicaRegistry } from './cluster/replica-registry.js';
import { RunFeed } from './cluster/run-feed.js';
import { RunLeases } from './cluster/run-leases.js';
import { replicaRunMemory } from './cluster/replica-run-memory.js';
import { RunRequestClient, RunRequestServer } from './cluster/run-requests.js';
import { TakenRuns } from './cluster/taken-runs.js';
import { CONTROLLER_VERSION } from './version.js';
import { ControllerMetrics } from './metrics/controller-metrics.js';
import { grpcCallCounter } from './metrics/grpc-calls.js';

/** A running controller. */
export interface RunningController {
  address: string;
  port: number;
  /** Where VMs download the agent bundle. */
  bundleUrl: string;
  /** The dashboard's address for a browser on this host. */
  dashboardUrl: string;
  /** The id this control plane tags its VMs with. */
  controllerId: string;
  /** PEM of the CA clients and agents pin; undefined with --insecure. */
  caCertificate: string | undefined;
  /** Runs one reconciliation pass now (it also runs periodically). */
  reconcile(): Promise<ReconcileReport>;
  /** The bootstrap admin's secret when this start generated it (first start, none given). */
  generatedBootstrapToken: string | undefined;
  stop(): Promise<void>;
  /** The step a stop is in now (undefined before and after): what a shutdown that overran its deadline was stuck in. */
  readonly shutdownStep: string | undefined;
}

/** Parts of a start a test may replace. */
export interface ControllerSeams {
  /** Puts the agent bundle at a path; default: the build's bundle, or esbuild from the sources (agent-bundle-source.ts). */
  buildBundle?: (path: string) => Promise<AgentBundle>;
}

/**
 * The composition root of a controller process: opens the database
 * (migrating it), bootstraps the operator tenant on an empty database, wires
 * the run engine to the clouds and the API, serves, builds and serves the
 * agent bundle, and resumes live runs. `stop` shuts down gracefully.
 */
export async function startController(options: CompiledControllerOptions, log: Logger, seams: ControllerSeams = {}): Promise<RunningController> {
  // First, before anything is written in it: the data dir and what it holds private (0700/0600), whatever the umask.
  secureDataDir(options.dataDir, log.child({ component: 'data-dir' }));
  // The bundle is copied from the build (or, from the sources, built by esbuild in its own process) while the database opens and the API starts serving: agents that
  // reconnect after a restart need no bundle, and only provisioning waits for it (the start waited 0.2-0.33 s for
  // it in the bench's restarts under 2,000-10,000 agents).
  const bundlePath = resolve(options.dataDir, 'agent', 'agent.mjs');
  const bundleBuilt = (seams.buildBundle ?? provideAgentBundle)(bundlePath);
  bundleBuilt.catch(() => undefined); // awaited below; this only keeps a failure before then from going unhandled
  // Checking the local VMs' folder runs Node as their user (0.1-0.3 s here): meanwhile, like the bundle build.
  const workRootChecked = prepareWorkRoot(options.localVms);
  workRootChecked.catch(() => undefined); // awaited below
  let bundleServing: Promise<{ bundle: AgentBundle; server: BundleServer }> | undefined;
  const cipher = new CredentialCipher(loadCredentialKey(options.credentialKey, options.dataDir));
  const replicasLog = log.child({ component: 'replicas' });
  // The agents' port opens first: after a restart every agent dials while the database, PKI and clouds are set up, and
  // a refused agent backs off (up to 1 s) where a held connection is served the moment the API is. Nothing is read
  // from them before the API server takes them over.
  const apiLog = log.child({ component: 'api' });
  const agentPort = await holdOnHost(options.listen.host, options.listen.port, (err) => apiLog.warn({ err }, 'accepting a connection failed'));
  let agentPortServed = false;
  const closeAgentPort = async () => {
    if (agentPortServed) return; // the API server's shutdown closes it
    agentPort.destroyConnections();
    await agentPort.close();
  };
  // Before anything is migrated or written: on PostgreSQL, a controller that may not share the database refuses here.
  const locks =
    options.database.flavour === 'postgresql'
      ? await DatabaseLocks.acquire(options.database.location, options.ha ? 'ha' : 'single', replicasLog).catch(async (err: unknown) => {
          await closeAgentPort();
          throw err;
        })
      : undefined;
  const store = await Store.open(options.database, log.child({ component: 'store' }), cipher).catch(async (err: unknown) => {
    await locks?.release();
    await closeAgentPort();
    throw err;
  });
  // Shutdown steps, by name, in the order they were set up; run in reverse, each timed (a slow stop says which step).
  const closers: [step: string, close: () => Promise<void>][] = [
    ['agent port (before the API served it)', closeAgentPort],
    ['database', () => store.close()],
  ];
  const self: ReplicaIdentity = {
    id: randomUUID(),
    host: hostname(),
    pid: process.pid,
    hostKey: hostKeyOf(options.dataDir),
    address: `${options.listen.host}:${options.listen.port}`,
    agentAddress: options.agentAddress ?? '',
    version: CONTROLLER_VERSION,
    mode: options.ha ? 'ha' : 'single',
    leaseMs: options.leaseMs,
  };
  let shutdownStep: string | undefined;
  // The grace is the whole stop's: the engine's cloud calls in flight and the API's calls in flight share it, in turn.
  let stopBeganAt = performance.now();
  const graceLeftMs = () => Math.max(0, stopBeganAt + options.shutdownGraceMs - performance.now());
  const closeAll = async () => {
    stopBeganAt = performance.now();
    for (const [step, close] of closers.reverse()) {
      const started = performance.now();
      shutdownStep = step;
      await close().catch((err: unknown) => log.error({ err, step }, 'shutdown step failed'));
      log.info({ step, ms: Math.round(performance.now() - started) }, 'shutdown step done');
    }
    shutdownStep = undefined;
  };
  try {
    // Before anything is written: a controller that may not share the database with one already on it refuses to start.
    const replicaRegistry = new ReplicaRegistry(store, self, replicasLog);
    if (locks) closers.push(['database locks', () => locks.release()]);
    await replicaRegistry.register();
    const notifications = self.mode === 'ha' ? new PgNotifications(options.database.location, replicasLog) : undefined;
    if (notifications) {
      await notifications.start();
      closers.push(['notifications', () => notifications.stop()]);
    }
    // What the first controller on an empty database creates: replicas started together take turns.
    const { generatedBootstrapToken, tokens, id } = await store.oneStartAtATime(async () => {
      const generated = await bootstrapOperator(
        store,
        { tenant: options.bootstrapTenant, admin: options.bootstrapAdmin, token: options.bootstrapToken },
        log.child({ component: 'bootstrap' }),
      );
      const [secrets, controller] = await store.write(
        async (_repos, em) => [await BootstrapTokens.load(em, cipher, log.child({ component: 'bootstrap-tokens' })), await controllerId(em)] as const,
      );
      return { generatedBootstrapToken: generated, tokens: secrets, id: controller };
    });
    const metrics = new ControllerMetrics(store, log.child({ component: 'metrics' }));
    const pki = options.insecure
      ? undefined
      : options.tlsFiles
        ? await loadGivenPki(options.tlsFiles)
        : await loadOrCreatePki(options.dataDir, { hosts: [...options.tlsHosts] });
    if (pki) log.info({ caFingerprint: pki.caFingerprint }, 'serving TLS');
    else log.warn('serving plaintext (--insecure): for the local driver on one machine only');
    // Browsers reach the API on the HTTP port, which serves before the API does: calls are UNAVAILABLE until it opens.
    const browserApi = new ConnectGateway(log.child({ component: 'browser-api' }));
    const dashboard = DashboardFiles.load(dashboardFolder());
    if (dashboard.missing) log.warn(`no dashboard: ${dashboard.missing}`);
    closers.push(['browser api', async () => browserApi.close()]);
    bundleServing = bundleBuilt.then(async (bundle) => {
      const server = await startBundleServer(
        bundle,
        options.httpListen.host,
        options.httpListen.port,
        log.child({ component: 'bundle' }),
        {
          tls: pki ? { cert: pki.serverCertPem, key: pki.serverKeyPem } : undefined,
          metrics: () => metrics.render(),
          browserApi,
          dashboard,
        },
      );
      closers.push(['agent bundle server', () => server.close()]);
      return { bundle, server };
    });
    bundleServing.catch(() => undefined); // awaited before the start completes
    const served = bundleServing;

    // Local VMs start only once provisioning has the bundle (Provisioner awaits it first).
    const localVmsLog = log.child({ component: 'local-vms' });
    // A work root the VM user cannot use fails local provisioning, not the start: the controller may never use `local`.
    const workRoot = await workRootChecked.then(
      (tightened) => ({ tightened, problem: undefined }),
      (err: unknown) => {
        if (!(err instanceof LocalWorkRootError)) throw err;
        return { tightened: undefined, problem: err.message };
      },
    );
    const tightened = workRoot.tightened;
    if (workRoot.problem) localVmsLog.warn({ reason: workRoot.problem }, 'local VMs cannot start on this host; every local provision fails until this is fixed');
    if (tightened) localVmsLog.warn({ path: tightened.path, oldMode: tightened.oldMode.toString(8), newMode: tightened.newMode.toString(8) }, 'local vm dir was writable by others; tightened');
    localVmsLog.info({ user: options.localVms.runAs?.name ?? null, workRoot: options.localVms.workRoot ?? null }, 'local vms placed');
    const localDriver = createLocalDriver({
      agentBundle: async () => {
        const { path, sha256 } = await bundleBuilt;
        return { path, sha256 };
      },
      placement: options.localVms,
      unusableReason: workRoot.problem,
    });
    const registry = new ConnectorRegistry()
      .register(localDriver)
      .register(createFakeDriver({ delegate: localDriver }))
      .register(createEc2Driver())
      .register(createGcpDriver(options.driverOptions.gcp))
      .register(createAzureDriver(options.driverOptions.azure));
    if (options.driverOptions.sim) registry.register(createSimDriver(options.driverOptions.sim));
    const clouds = new CloudDirectory(registry, [{ name: 'local', driver: 'local', settings: {} }, ...options.extraClouds], store, cipher, {
      dataDir: options.dataDir,
      log: log.child({ component: 'connectors' }),
      metrics,
    });
    closers.push(['clouds', () => clouds.close()]);
    // Before the API serves: VMs on other machines must be given an address of this controller they can reach.
    const advertised = advertisedAddresses(options);
    refuseRemoteClouds(await clouds.list(), (driver) => registry.get(driver), advertised.unreachable);

    const bus = new RunBus();
    const hub = new AgentHub();
    const leases = new RunLeases(store, self);
    metrics.watchReplica({ agentsConnected: () => hub.connected, runsOwned: () => leases.count });
    // HA: work for runs another replica drives goes to it through run_requests; alone, such a run was taken from it.
    const requests = notifications && new RunRequestClient({ db: store, notifications, replicaId: self.id, log: replicasLog.child({ part: 'requests' }) });
    if (requests) {
      await requests.start();
      closers.push(['run requests (asking)', () => requests.stop()]);
    }
    let agentAddress = options.agentAddress ?? '';
    let agentAddresses: readonly string[] = [];
    const provisionerOptions = {
      controllerId: id,
      agentAddress: () => agentAddress,
      agentAddresses: () => agentAddresses,
      bindToHost: (runId: string) => leases.bindToHost(runId),
      insecureAgents: !pki,
      remoteVmsUnreachable: advertised.unreachable,
      ...(pki ? { caCertificate: pki.caCertPem } : {}),
      bundle: async () => {
        const { bundle, server } = await served;
        return { url: advertised.bundleUrl(portOfUrl(server.url)), sha256: bundle.sha256 };
      },
    };
    // The run loop: the engine's cloud effects go to the provisioner, whose outcomes come back as the engine's inputs.
    const engine: RunEngine = new RunEngine({
      store,
      bus,
      hub,
      log: log.child({ component: 'engine' }),
      effects: (inputs): RunEffects => {
        const provisioner = new Provisioner(store, clouds, tokens, provisionerOptions, inputs, log.child({ component: 'provisioner' }));
        // Image builds' snapshots: the engine (called only once it runs effects) says which runs it still drives.
        const snapshots = new ImageSnapshots({
          store,
          clouds,
          runs: { dispatch: (runId, input) => inputs.dispatch(runId, input), owns: (runId) => engine.owns(runId), recordEvent: (runId, entry) => engine.recordEvent(runId, entry) },
          log: log.child({ component: 'images' }),
        });
        return {
          provision: (runId, instance) => provisioner.provision(runId, instance),
          destroy: (runId, instances) => provisioner.destroy(runId, instances),
          snapshot: (runId) => snapshots.snapshot(runId),
          finished: (runId, run) => snapshots.finished(runId, run),
          stop: () => snapshots.stop(),
          letGo: () => provisioner.letGo(),
        };
      },
      ownership: leases,
      remote: requests ?? new TakenRuns(),
      metrics,
    });
    const requestServer =
      notifications &&
      new RunRequestServer({ db: store, notifications, local: engine, owns: async (runId) => engine.owns(runId), log: replicasLog.child({ part: 'requests' }) });
    if (requestServer) {
      await requestServer.start();
      // Stopped after the API server and the engine's ticker: it waits for the engine calls it started, which still commit.
      closers.push(['run requests (serving)', () => requestServer.stop()]);
    }
    const feed = notifications && new RunFeed({ notifications, store, bus, replicaId: self.id, log: replicasLog.child({ part: 'feed' }) });
    if (feed) {
      await feed.start();
      closers.push(['run feed', () => feed.stop()]);
    }
    const membership = new ReplicaMembership({
      self,
      store,
      registry: replicaRegistry,
      leases,
      notifications,
      log: replicasLog,
      adopted: async (runIds) => {
        await engine.resume(runIds);
        for (const runId of runIds) void requestServer?.serveRun(runId);
      },
      lostAll: (runIds) => runIds.forEach((runId) => engine.lose(runId)),
      agentsConnected: () => hub.connected,
      refreshed: (live) => (agentAddresses = [agentAddress, ...live.filter((a) => a !== agentAddress)]),
    });
    leases.placedElsewhere = (replicaId) => membership.announceAssigned(replicaId);
    const retentionLog = log.child({ component: 'retention' });
    // Deleting a run also removes its local VM folders here and what this replica keeps of it in memory.
    const deletion = new RunDeletion(
      store,
      options.dataDir,
      retentionLog,
      [new LocalVmRunFolders(options.dataDir, options.localVms, retentionLog), replicaRunMemory(leases, engine)],
      (runIds) => bus.deleted(runIds),
    );
    // Agents that dial in before the runs are taken (all of them after a restart) wait for it, not for a retry.
    let tookRuns!: () => void;
    const runsTaken = new Promise<void>((resolve) => (tookRuns = resolve));
    const server: ApiServer = await startApiServer(
      {
        store,
        authenticator: new Authenticator(store),
        agentAuthenticator: new AgentAuthenticator(store),
        bootstrapTokens: tokens,
        log: apiLog,
        engine,
        bus,
        hub,
        owners: { owns: (runId) => engine.owns(runId), ownerAgentAddress: (runId) => leases.holderAgentAddress(runId), runsTaken },
        placement: leases,
        deletion,
        replicaId: self.id,
        dataDir: options.dataDir,
        reportQuota: options.reportQuota,
        defaultCloud: options.defaultCloud,
        clouds,
        cipher,
        controllerId: id,
        remoteVmsUnreachable: advertised.unreachable,
        metrics,
      },
      options.listen.host,
      options.listen.port,
      pki,
      options.callLimits,
      { startNotServing: true, interceptors: [grpcCallCounter(metrics.grpcCalls)], listeners: agentPort },
    );
    agentPortServed = true;
    // Steps run in reverse: the engine's effects in flight settle while this replica still holds their runs (a run
    // handed back while its VMs were being made has them made again by its next owner: found by their idempotency key,
    // but only then are their ids stored), up to the grace, then the runs are handed back, then the API server drains,
    // its agents' sessions ending (they reconnect to the new owners).
    closers.push([
      'api server',
      async () => {
        hub.closeAll();
        await server.shutdown(graceLeftMs());
      },
    ]);
    closers.push(['replica', () => membership.leave()]);
    closers.push(['engine', () => engine.stop(graceLeftMs())]);
    browserApi.open({ address: server.address, caCertPem: pki?.caCertPem });
    agentAddress = advertised.agentAddress(server.port);
    agentAddresses = [agentAddress];
    self.agentAddress = agentAddress;
    self.address = server.address;
    await replicaRegistry.updateAddresses();
    // A bundle that does not build fails the start; the runs resume (re-issuing their provisioning) once it is served.
    const { server: bundleServer } = await served;
    // Takes its runs (alone: all of them) and resumes them, then serves: health says SERVING from here on.
    await membership.serve();
    tookRuns();
    server.setServing(true);
    engine.start();
    const reconcilerReplica = { owns: (runId: string) => engine.owns(runId), runsSingletonWork: async () => (locks ? locks.holdsSingletonWork() : true) };
    const reconciler = new Reconciler(store, clouds, engine, id, log.child({ component: 'reconciler' }), reconcilerReplica, metrics);
    reconciler.start(options.reconcileIntervalMs);
    closers.push(['reconciler', () => reconciler.stop()]);
    const retention = new RunRetention(store, deletion, { ...DEFAULT_RETENTION_SWEEP, retentionDays: options.retentionDays }, retentionLog, {
      runsSingletonWork: async () => (locks ? locks.holdsSingletonWork() : true),
    });
    retention.start();
    closers.push(['retention', () => retention.stop()]);
    // First of all: load balancers stop sending work here.
    closers.push(['health', async () => server.setServing(false)]);

    let stopping: Promise<void> | undefined;
    return {
      address: server.address,
      port: server.port,
      bundleUrl: bundleServer.url,
      dashboardUrl: dashboardUrlOf(bundleServer.url),
      controllerId: id,
      caCertificate: pki?.caCertPem,
      reconcile: () => reconciler.reconcile(),
      generatedBootstrapToken,
      get shutdownStep() {
        return shutdownStep;
      },
      stop: () =>
        (stopping ??= (async () => {
          log.info('shutting down');
          await closeAll();
          log.info('stopped');
        })()),
    };
  } catch (err) {
    // A bundle server that starts while this start fails is closed with the rest.
    await bundleServing?.catch(() => undefined);
    await closeAll();
    throw err;
  }
}

/** The HTTP server's address as a browser on this host opens it: a wildcard listen address is reached as localhost. */
function dashboardUrlOf(httpUrl: string): string {
  const url = new URL(httpUrl);
  if (isUnspecifiedHost(url.hostname)) url.hostname = 'localhost';
  return url.href;
}
