/**
 * CLI deps faked at the service boundary: captured streams and a `connect()`
 * whose client services have only the methods a test gives them. Every call is
 * recorded (to check the arguments a verb passes); a call to a method the test
 * did not give throws, and fails the test even when the verb turned that throw
 * into an exit code.
 */
import { onTestFinished } from 'vitest';
import type { SlipstreamClient } from '../../index.js';
import type { CliDeps } from '../deps.js';
import { createTestDeps, type TestDeps } from '../test-io.js';

/** The methods of a service client (its functions, not its fields). */
export type MethodsOf<T> = {
  [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: T[K];
};

/** The services a client offers, by their name on SlipstreamClient. */
export type ServiceName = 'modules' | 'runs' | 'clouds' | 'tenants' | 'users' | 'tokens' | 'controllers' | 'usage';

/** For each service, the methods this test expects to be called (typed as the real ones). */
export type FakeServices = {
  [S in ServiceName]?: Partial<MethodsOf<SlipstreamClient[S]>>;
};

/** One recorded call: `method` is `service.method`, e.g. `runs.get`. */
export interface RecordedCall {
  method: string;
  args: unknown[];
}

/** Test deps whose `connect()` returns the fake services. */
export interface FakeDeps extends TestDeps {
  /** Every call made on the fake services, in order (unexpected ones included). */
  readonly calls: RecordedCall[];
  /** The argument lists of the calls to `method` (`service.method`). */
  argsOf(method: string): unknown[][];
}

/** Thrown by a fake service method the test did not give. */
export class UnexpectedCallError extends Error {
  override readonly name = 'UnexpectedCallError';
}

/**
 * Deps for a verb's test. Call it inside a test or a beforeEach (it registers
 * a check that fails the test if an unexpected method was called).
 * `overrides` sets the other deps (isTTY, env, configPath, ...).
 */
export function fakeDeps(
  services: FakeServices = {},
  overrides: Partial<Omit<CliDeps, 'stdout' | 'stderr' | 'connect'>> = {},
): FakeDeps {
  const calls: RecordedCall[] = [];
  const unexpected: string[] = [];
  onTestFinished(() => {
    if (unexpected.length > 0) throw new UnexpectedCallError(`unexpected call(s) to the fake client: ${unexpected.join(', ')}`);
  });
  const client = new Proxy(
    {},
    {
      get(_target, prop) {
        if (typeof prop === 'symbol' || prop === 'then') return undefined;
        if (isServiceName(prop)) return fakeService(prop, services[prop] ?? {}, calls, unexpected);
        if (prop === 'close') return (): void => undefined;
        // options, rpc, raw clients: verbs reach the controller through the services only.
        unexpected.push(`client.${prop}`);
        throw new UnexpectedCallError(`the fake client has no ${prop}`);
      },
    },
  );
  const deps = createTestDeps({ ...overrides, connect: () => client as SlipstreamClient });
  return Object.assign(deps, {
    calls,
    argsOf: (method: string) => calls.filter((c) => c.method === method).map((c) => c.args),
  });
}

const SERVICE_NAMES: readonly string[] = ['modules', 'runs', 'clouds', 'tenants', 'users', 'tokens', 'controllers', 'usage'] satisfies ServiceName[];

function isServiceName(name: string): name is ServiceName {
  return SERVICE_NAMES.includes(name);
}

/**
 * A service whose methods are the given ones, each recording its calls; any
 * other method records the call as unexpected and throws. (`then` stays
 * undefined so that awaiting the object does not count as a call.)
 */
function fakeService(
  service: ServiceName,
  methods: Record<string, unknown>,
  calls: RecordedCall[],
  unexpected: string[],
): object {
  return new Proxy(
    {},
    {
      get(_target, prop) {
        if (typeof prop === 'symbol' || prop === 'then') return undefined;
        const name = `${service}.${prop}`;
        const method = methods[prop];
        return (...args: unknown[]): unknown => {
          calls.push({ method: name, args });
          if (typeof method === 'function') return (method as (...a: unknown[]) => unknown)(...args);
          unexpected.push(name);
          throw new UnexpectedCallError(`the test gave no ${name}`);
        };
      },
    },
  );
}
