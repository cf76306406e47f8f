import type { Logger } from 'pino';
import { startApiServer, type ApiServer } from './api/server.js';
import { Authenticator } from './auth/authenticator.js';
import { bootstrapOperator } from './auth/bootstrap.js';
import type { CompiledControllerOptions } from './options.js';
import { Store } from './store/store.js';

/** A running controller. */
export interface RunningController {
  address: string;
  port: number;
  /** The bootstrap admin's secret when this start generated it (first start, none given). */
  generatedBootstrapToken: string | undefined;
  stop(): Promise<void>;
}

/**
 * Opens the database (migrating it), bootstraps the operator tenant on an
 * empty database and serves the API. `stop` shuts down gracefully.
 */
export async function startController(options: CompiledControllerOptions, log: Logger): Promise<RunningController> {
  const store = await Store.open(options.database, log.child({ component: 'store' }));
  let server: ApiServer;
  let generatedBootstrapToken: string | undefined;
  try {
    generatedBootstrapToken = await bootstrapOperator(
      store,
      { tenant: options.bootstrapTenant, admin: options.bootstrapAdmin, token: options.bootstrapToken },
      log.child({ component: 'bootstrap' }),
    );
    const deps = { store, authenticator: new Authenticator(store), log: log.child({ component: 'api' }) };
    server = await startApiServer(deps, options.listen.host, options.listen.port);
  } catch (err) {
    await store.close();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    address: server.address,
    port: server.port,
    generatedBootstrapToken,
    stop: () =>
      (stopping ??= (async () => {
        log.info('shutting down');
        await server.shutdown(options.shutdownGraceMs);
        await store.close();
        log.info('stopped');
      })()),
  };
}
