/**
 * The files and folders in an agent's work dir that are the agent's own (or
 * the local driver's), never a recipe's: its boot config (the bootstrap
 * token), its state (the node's credential), socket, logs, reports, scripts,
 * recipe commands and scratch space, and the atomic writers' temporary names
 * of these. An image of a VM must hold none of them: the next VM's agent
 * makes its own (local snapshots leave them out, cloud VMs delete them before
 * their disk is imaged).
 */
import { basename } from 'node:path';
import { agentPaths } from '../../agent/paths.js';
import { AGENT_OUTPUT_LOG } from './local/agent-output.js';

/** Names (and `*.tmp` glob patterns) relative to the work dir. */
export function agentOwnFiles(): string[] {
  const paths = agentPaths('/');
  const agentOwn = [paths.stateFile, paths.logsDir, paths.reportsDir, paths.binDir, paths.scriptsDir, paths.tmpDir, paths.socketPath].map((p) => basename(p));
  // vm.json and agent.out.log are the local driver's record and the agent's output beside it.
  const files = ['agent.json', 'vm.json', AGENT_OUTPUT_LOG, ...agentOwn];
  return [...files, ...files.map((name) => `${name}.*.tmp`)];
}
