/**
 * Run requests between controller replicas (PostgreSQL inbox): work for a
 * run that another replica owns goes through run_requests to its owner.
 * RunRequestClient is the RemoteRuns port of the asking replica,
 * RunRequestServer the owner's side that applies and answers.
 */
export { RunRequestClient, type RunRequestClientOptions } from './run-request-client.js';
export { RunRequestServer, type LocalRuns, type RunRequestServerOptions } from './run-request-server.js';
export { RUN_ANSWERS_CHANNEL, RUN_REQUESTS_CHANNEL, type RunRequestBody } from './run-request-protocol.js';
export type { SqlExecutor } from './sql-executor.js';
export { PgPoolExecutor } from './sql-executor.js';
