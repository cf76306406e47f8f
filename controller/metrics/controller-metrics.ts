import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from 'pino';
import { RUN_STATES } from '../../common/runs/states.js';
import type { VmLifecycle } from '../domain/runs/types.js';
import { countLiveInstancesByVm, countRunsByState } from '../store/run-counts.js';
import type { Store } from '../store/store.js';
import type {
  CloudCallMetrics,
  CloudOperation,
  EngineMetrics,
  ParameterSetOrigin,
  ParameterWaitMetrics,
  ParameterWaitOutcome,
  ReconcilerFinding,
  ReconcilerMetrics,
} from './ports.js';

/** Every metric's name starts with it; the default process metrics' with `slipstream_controller_`. */
const PREFIX = 'slipstream_';

const VM_LIFECYCLES: readonly VmLifecycle[] = ['pending', 'running', 'failed', 'terminated'];

/** What the replica's gauges read at scrape time, from memory. */
export interface ReplicaSources {
  /** Agent sessions connected to this replica. */
  agentsConnected: () => number;
  /** Runs whose lease this replica holds. */
  runsOwned: () => number;
}

/**
 * One controller's metrics, in a registry of its own (tests start several
 * controllers in one process; the global registry would mix them). Counters
 * and histograms are updated by the hot paths through the ports they
 * implement; gauges of state are computed when scraped: the runs and
 * instances with one grouped query each (cluster-wide: the database's
 * numbers, the same on every replica), agents and owned runs from memory
 * (this replica's). Labels are bounded sets: states, outcomes, methods,
 * drivers, the clouds an admin configured; never a run, user or VM.
 */
export class ControllerMetrics implements EngineMetrics, ParameterWaitMetrics, ReconcilerMetrics, CloudCallMetrics {
  readonly registry = new Registry();
  /** Counts gRPC calls as they end (grpc-calls.ts). */
  readonly grpcCalls: Counter<'method' | 'code'>;
  /**
   * The per-set and per-wait counts, tallied in plain numbers and handed to
   * their metrics when scraped: prom-client turns the labels of every inc()
   * into a key string (its labelled children too), and these count on every
   * agent's set and get.
   */
  private readonly setsByOrigin: Record<ParameterSetOrigin, number> = { agent: 0, operator: 0 };
  private readonly waitsEndedByOutcome: Record<ParameterWaitOutcome, number> = { satisfied: 0, timeout: 0, aborted: 0 };
  private waitsStartedCount = 0;
  private readonly commitSeconds: Histogram;
  private readonly commitItems: Histogram;
  private readonly cloudCalls: Counter<'operation' | 'cloud' | 'driver' | 'outcome'>;
  private readonly cloudCallSeconds: Histogram<'operation' | 'driver'>;
  private readonly findings: Counter<'kind'>;
  /** Set once the start has made them: until then, their gauges have no series. */
  private replica: ReplicaSources | undefined;

  /** `store`: where the cluster-wide gauges count, at each scrape. */
  constructor(store: Store, log: Logger) {
    const replica = () => this.replica;
    const setsByOrigin = this.setsByOrigin;
    const waitsEndedByOutcome = this.waitsEndedByOutcome;
    const waitsStarted = () => this.waitsStartedCount;
    const waitsInProgress = () => this.waitsStartedCount - Object.values(waitsEndedByOutcome).reduce((sum, n) => sum + n, 0);
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: `${PREFIX}controller_` });
    const queryFailed = (err: unknown, gauge: string) => log.warn({ err, gauge }, 'counting for a metric failed; its series are left out of this scrape');

    new Gauge({
      name: `${PREFIX}cluster_runs`,
      help: 'Runs in the database by state, every replica\'s (cluster-wide: each replica reports the same numbers; do not sum across replicas)',
      labelNames: ['state'],
      registers,
      async collect() {
        this.reset();
        const counts = await countRunsByState(store).catch((err: unknown) => queryFailed(err, 'cluster_runs'));
        if (counts) for (const state of RUN_STATES) this.set({ state }, counts.get(state) ?? 0);
      },
    });
    new Gauge({
      name: `${PREFIX}cluster_live_instances`,
      help: 'Instances of runs not final, by their VM\'s lifecycle, every replica\'s (cluster-wide: do not sum across replicas)',
      labelNames: ['vm'],
      registers,
      async collect() {
        this.reset();
        const counts = await countLiveInstancesByVm(store).catch((err: unknown) => queryFailed(err, 'cluster_live_instances'));
        if (counts) for (const vm of VM_LIFECYCLES) this.set({ vm }, counts.get(vm) ?? 0);
      },
    });
    new Gauge({
      name: `${PREFIX}owned_runs`,
      help: 'Runs this replica drives (holds the lease of); sums across replicas to the live runs',
      registers,
      collect() {
        const sources = replica();
        if (sources) this.set(sources.runsOwned());
      },
    });
    new Gauge({
      name: `${PREFIX}agents_connected`,
      help: 'Agent sessions connected to this replica',
      registers,
      collect() {
        const sources = replica();
        if (sources) this.set(sources.agentsConnected());
      },
    });
    // A counter read from a tally at each scrape. Every label value has a series from the start: a rate over a counter
    // that appears at its first event misses that event.
    const talliedCounter = (name: string, help: string, label: string, tally: Readonly<Record<string, number>>) =>
      new Counter({
        name: `${PREFIX}${name}`,
        help,
        labelNames: [label],
        registers,
        collect() {
          this.reset();
          for (const [value, count] of Object.entries(tally)) this.inc({ [label]: value }, count);
        },
      });
    talliedCounter('parameter_sets_total', 'Parameter values submitted to runs this replica drives, by agents (ss-set) or operators (the API)', 'origin', setsByOrigin);
    new Counter({
      name: `${PREFIX}parameter_waits_started_total`,
      help: 'Agents\' gets that waited for a value (ss-get --wait and get-all with wait) on this replica',
      registers,
      collect() {
        this.reset();
        this.inc(waitsStarted());
      },
    });
    talliedCounter(
      'parameter_waits_ended_total',
      'Waiting gets that ended: satisfied (the value came), timeout, or aborted (the run aborted or the session ended)',
      'outcome',
      waitsEndedByOutcome,
    );
    new Gauge({
      name: `${PREFIX}parameter_waits_in_progress`,
      help: 'Gets waiting for a value now on this replica',
      registers,
      collect() {
        this.set(waitsInProgress());
      },
    });
    this.commitSeconds = new Histogram({
      name: `${PREFIX}run_commit_duration_seconds`,
      help: 'Time to commit one batch of a run\'s group commit (state machine inputs, parameter sets and log lines together)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.commitItems = new Histogram({
      name: `${PREFIX}run_commit_batch_items`,
      help: 'Items (inputs, parameter sets, log batches) in one batch of a run\'s group commit',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000],
      registers,
    });
    this.cloudCalls = new Counter({
      name: `${PREFIX}cloud_calls_total`,
      help: 'Calls to clouds through their connectors (each retry counted), by operation, cloud, driver and outcome (ok, a connector error kind, cancelled, error)',
      labelNames: ['operation', 'cloud', 'driver', 'outcome'],
      registers,
    });
    this.cloudCallSeconds = new Histogram({
      name: `${PREFIX}cloud_call_duration_seconds`,
      help: 'Duration of calls to clouds through their connectors, by operation and driver',
      labelNames: ['operation', 'driver'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.findings = new Counter({
      name: `${PREFIX}reconciler_findings_total`,
      help: 'What reconciliation passes found: stray VMs terminated or not, instances whose VM was lost, clouds that could not be listed',
      labelNames: ['kind'],
      registers,
    });
    this.grpcCalls = new Counter({
      name: `${PREFIX}grpc_server_calls_total`,
      help: 'gRPC calls this replica served, counted when they end, by full method name and status code',
      labelNames: ['method', 'code'],
      registers,
    });
    // Zero series from the start: a rate over a counter that appears at its first event misses that event.
    for (const kind of ['stray_terminated', 'stray_terminate_failed', 'instance_lost', 'cloud_unlisted'] satisfies ReconcilerFinding[]) this.findings.inc({ kind }, 0);
  }

  /** Gives the replica's gauges what they read (the agent hub and the run leases are made after the metrics). */
  watchReplica(sources: ReplicaSources): void {
    this.replica = sources;
  }

  /** The Prometheus text exposition of every metric, and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  committed(items: number, seconds: number): void {
    this.commitItems.observe(items);
    this.commitSeconds.observe(seconds);
  }

  parameterSets(origin: ParameterSetOrigin, values: number): void {
    this.setsByOrigin[origin] += values;
  }

  waitStarted(): void {
    this.waitsStartedCount++;
  }

  waitEnded(outcome: ParameterWaitOutcome): void {
    this.waitsEndedByOutcome[outcome]++;
  }

  found(kind: ReconcilerFinding, count: number): void {
    if (count > 0) this.findings.inc({ kind }, count);
  }

  called(call: { operation: CloudOperation; cloud: string; driver: string; outcome: string; seconds: number }): void {
    this.cloudCalls.inc({ operation: call.operation, cloud: call.cloud, driver: call.driver, outcome: call.outcome });
    this.cloudCallSeconds.observe({ operation: call.operation, driver: call.driver }, call.seconds);
  }
}
