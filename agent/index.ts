/**
 * The Slipstream agent, embeddable: `startAgent({ configPath })` runs the
 * agent of one VM (node instance) until its run ends. The CLI (main.ts) and
 * the `local` cloud driver both start agents through this API.
 */
export { startAgent, type AgentExit, type AgentExitReason, type RunningAgent } from './agent.js';
export type { AgentOptions, PhaseRunner } from './options.js';
export { type ControllerPort, type PhaseEnvironment, type PhaseOutcome, type PhaseWork, publishFacts } from './phases.js';
export { type AgentProbe, type AgentProbeEvent, monotonicNow } from './probe.js';
export { type AgentConfig, AgentConfigError, parseAgentConfig, readAgentConfigFile } from './config.js';
export type { BackoffOptions } from './backoff.js';
export type { LogLevel, LogSink } from './log.js';
export type { AgentPaths } from './paths.js';
export { AGENT_VERSION } from './version.js';
