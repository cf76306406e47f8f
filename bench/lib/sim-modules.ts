/**
 * The modules the benchmark deploys on the `sim` cloud. Their recipes are
 * sim recipes (controller/connectors/sim/sim-recipes.ts): parameter traffic
 * only, no bash.
 */
import type { SlipstreamClient } from '../../client/index.js';
import type { ParameterDefinition } from '../../common/modules/types.js';

const outputs = (names: string[]): ParameterDefinition[] => names.map((name) => ({ name, category: 'output', type: 'string' }));
const inputs = (names: string[]): ParameterDefinition[] => names.map((name) => ({ name, category: 'input', type: 'string' }));
const numbered = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`);

/**
 * Pings the propagation scenario sends before its measured ones, as the raw relay it is judged against leaves out
 * its first rounds: the first sets through a controller path not yet run (JIT, a statement's first plan) took
 * the p50 of 30 samples from 1.9 ms to 2.8 ms (100 agents connected).
 */
export const PROPAGATION_WARMUP_ROUNDS = 20;

/** Saves every bench module; `samples` is the propagation scenario's number of measured pings. */
export async function saveBenchModules(client: SlipstreamClient, options: { samples: number; throughputRounds: number }): Promise<void> {
  const component = (path: string, deployment: string, parameters: ParameterDefinition[]) =>
    client.modules.save({ kind: 'component', path, images: { sim: 'sim' }, resources: {}, recipes: { deployment }, parameters });
  const node = (name: string, comp: string, mappings: Record<string, string> = {}) => ({
    name,
    component: comp,
    multiplicity: 1,
    cloud: 'sim',
    maxProvisioningFailures: 0,
    mappings,
  });

  // deploy: five outputs per instance, and every instance's input mapped from w.1's first output.
  await component('bench/deploy-node', [...numbered('o', 5).map((o) => `ss-set ${o} {now}`), 'ss-get in'].join('\n'), [
    ...outputs(numbered('o', 5)),
    ...inputs(['in']),
  ]);
  await client.modules.save({ kind: 'application', path: 'bench/deploy', nodes: [node('w', 'bench/deploy-node', { in: 'w:o1' })] });

  // throughput: every agent sets its five outputs, round after round, each set waiting for its ack.
  await component(
    'bench/throughput-node',
    [`sim-repeat ${options.throughputRounds}`, ...numbered('t', 5).map((t) => `  ss-set ${t} {i}`), 'sim-end'].join('\n'),
    outputs(numbered('t', 5)),
  );
  await client.modules.save({ kind: 'application', path: 'bench/throughput', nodes: [node('t', 'bench/throughput-node')] });

  // propagation: ping stamps p{i} with the monotonic clock; pong, waiting on q{i} (mapped from p{i}), keeps now minus the
  // stamp, in the order of the pings (the scenario drops the warm-up rounds from the front).
  const samples = options.samples + PROPAGATION_WARMUP_ROUNDS;
  await component('bench/ping', ['sim-sleep 500', `sim-repeat ${samples}`, '  sim-sleep 5', '  ss-set p{i} {now}', 'sim-end'].join('\n'), outputs(numbered('p', samples)));
  await component('bench/pong', [`sim-repeat ${samples}`, '  sim-latency q{i}', 'sim-end', 'sim-publish-latencies latencies'].join('\n'), [
    ...inputs(numbered('q', samples)),
    ...outputs(['latencies']),
  ]);
  await client.modules.save({
    kind: 'application',
    path: 'bench/propagation',
    nodes: [node('ping', 'bench/ping'), node('pong', 'bench/pong', Object.fromEntries(numbered('q', samples).map((q, i) => [q, `ping:p${i + 1}`])))],
  });
}
