/**
 * One controller for an end-to-end suite, set up the way every suite needs
 * it: a real controller on 127.0.0.1 with a database of its own (a SQLite
 * file in its data dir, or a fresh PostgreSQL database), the clouds the suite
 * names, the operator admin's client (pinned to the controller's CA under
 * TLS) and TestRuns over it. `close()`, or `await using`, takes it all down.
 */
import { createSlipstreamClient, type SlipstreamClient } from '../../client/index.js';
import type { AgentServiceClient } from '../../proto/gen/slipstream/v1/agent.js';
import { AgentProbe, agentServiceClient } from './agent-probe.js';
import { startTestController, type TestController, type TestControllerOptions } from './controller.js';
import { TestRuns } from './runs.js';

/** A cloud beyond `local`, and the admin tenant's credential for it when it needs one. */
export interface HarnessCloud {
  name: string;
  driver: string;
  settings: Record<string, string>;
  /** Stored with `clouds.setCredential` once the controller is up. */
  credential?: Record<string, string>;
}

export interface HarnessOptions extends Omit<TestControllerOptions, 'extraClouds'> {
  clouds?: HarnessCloud[];
}

export interface Harness extends AsyncDisposable {
  controller: TestController;
  /** The operator tenant's admin, through the client library. */
  client: SlipstreamClient;
  /** Runs launched through it are terminated by `close()`. */
  runs: TestRuns;
  /** The controller's data dir. */
  dataDir: string;
  /** A plaintext AgentService client, made on first use and closed by `close()`. */
  readonly agents: AgentServiceClient;
  /** A Session opened as an agent with `credential` (see AgentProbe), closed by `close()`. */
  probe(credential: string): AgentProbe;
  /**
   * Adds a step to `close()`, run once the runs are terminated and before the
   * clients close and the controller stops (e.g. stopping VMs the test booted).
   */
  onClose(step: () => unknown): void;
  /**
   * Terminates the runs still live, closes probes and clients, stops the
   * controller (killing its local VMs) and removes its database and data dir.
   * Once: a second call waits for the first.
   */
  close(): Promise<void>;
}

/** Starts a controller as the suite asks and connects to it; see Harness. */
export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const { clouds = [], ...controllerOptions } = options;
  const controller = await startTestController({
    ...controllerOptions,
    extraClouds: clouds.map(({ name, driver, settings }) => ({ name, driver, settings })),
  });
  const client = createSlipstreamClient({
    address: controller.address,
    token: controller.adminToken,
    ...(options.tls ? { tls: { ca: Buffer.from(controller.caCertificate!) } } : {}),
  });
  const runs = new TestRuns(client);
  const probes: AgentProbe[] = [];
  const closeSteps: (() => unknown)[] = [];
  let agents: AgentServiceClient | undefined;
  let closing: Promise<void> | undefined;

  const close = async () => {
    try {
      for (const probe of probes) probe.close();
      agents?.close();
      await runs.terminateAll();
      for (const step of closeSteps) await step();
    } finally {
      // Whatever a step threw, the controller's VMs, database and data dir must not outlive the suite.
      client.close();
      await controller.stop();
    }
  };
  const harness: Harness = {
    controller,
    client,
    runs,
    dataDir: controller.dataDir,
    get agents() {
      agents ??= agentServiceClient(controller.address);
      return agents;
    },
    probe(credential) {
      const probe = new AgentProbe(harness.agents, credential);
      probes.push(probe);
      return probe;
    },
    onClose(step) {
      closeSteps.push(step);
    },
    close() {
      closing ??= close();
      return closing;
    },
    [Symbol.asyncDispose]: () => harness.close(),
  };
  try {
    for (const cloud of clouds) if (cloud.credential) await client.clouds.setCredential(cloud.name, cloud.credential);
  } catch (err) {
    await harness.close();
    throw err;
  }
  return harness;
}
