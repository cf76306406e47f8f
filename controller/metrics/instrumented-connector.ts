import { ConnectorError, type CloudConnector } from '../connectors/connector.js';
import type { CloudCallMetrics, CloudOperation } from './ports.js';

/** The connector methods that call the cloud, and the operation each is counted as. */
const OPERATIONS: Readonly<Record<string, CloudOperation>> = {
  provision: 'provision',
  terminate: 'terminate',
  describe: 'describe',
  listTagged: 'list',
};

/** How a failed call ended, as a bounded label: the ConnectorError's kind, 'cancelled', or 'error'. */
export function failureOutcome(err: unknown): string {
  if (err instanceof ConnectorError) return err.kind;
  if ((err as Error | undefined)?.name === 'AbortError') return 'cancelled';
  return 'error';
}

/**
 * The connector with its cloud calls counted and timed: the one place every
 * caller (provisioner, reconciler, API) goes through, as CloudDirectory hands
 * out only instrumented connectors. A Proxy, so that whatever else a driver's
 * connector offers (optional abilities) stays as it is, with `this` the
 * connector itself.
 */
export function instrumentConnector(connector: CloudConnector, cloud: string, metrics: CloudCallMetrics): CloudConnector {
  const instrumented = new Map<string, unknown>();
  for (const [method, operation] of Object.entries(OPERATIONS)) {
    const call = (connector as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[method];
    if (typeof call !== 'function') continue;
    instrumented.set(method, async (...args: unknown[]) => {
      const started = performance.now();
      let outcome = 'ok';
      try {
        return await call.apply(connector, args);
      } catch (err) {
        outcome = failureOutcome(err);
        throw err;
      } finally {
        metrics.called({ operation, cloud, driver: connector.driver, outcome, seconds: (performance.now() - started) / 1000 });
      }
    });
  }
  return new Proxy(connector, {
    get(target, property) {
      if (typeof property === 'string' && instrumented.has(property)) return instrumented.get(property);
      // The connector itself as `this`, also for getters: drivers may keep private (#) fields.
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
