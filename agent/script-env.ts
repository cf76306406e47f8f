import { ScaleAction } from '../proto/gen/slipstream/v1/runs.js';
import type { ScaleCommand } from '../proto/gen/slipstream/v1/agent.js';

/** Who and where a script runs, as the SLIPSTREAM_* variables say. */
export interface ScriptIdentity {
  runId: string;
  node: string;
  index: number;
  /** `node.N` */
  instance: string;
  cloud: string;
  /** SlipStream's state name (`Executing`). */
  state: string;
  reportDir: string;
  agentSocket: string;
  /** Holds the recipe commands; put first on PATH. */
  binDir: string;
}

/** The environment of a recipe script: the agent's own plus the SLIPSTREAM_* variables. */
export function scriptEnv(base: Readonly<Record<string, string | undefined>>, who: ScriptIdentity, scale?: ScaleCommand): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) if (value !== undefined) env[key] = value;
  env.PATH = base.PATH ? `${who.binDir}:${base.PATH}` : `${who.binDir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
  env.SLIPSTREAM_RUN_ID = who.runId;
  env.SLIPSTREAM_NODE_NAME = who.node;
  env.SLIPSTREAM_NODE_INDEX = String(who.index);
  env.SLIPSTREAM_NODE_INSTANCE = who.instance;
  env.SLIPSTREAM_CLOUD = who.cloud;
  env.SLIPSTREAM_STATE = who.state;
  env.SLIPSTREAM_REPORT_DIR = who.reportDir;
  env.SLIPSTREAM_AGENT_SOCKET = who.agentSocket;
  if (scale) {
    env.SLIPSTREAM_SCALING_NODE = scale.node;
    env.SLIPSTREAM_SCALING_VMS = scale.instances.join(' ');
    env.SLIPSTREAM_SCALING_ACTION =
      scale.action === ScaleAction.SCALE_ACTION_ADD ? 'add' : scale.action === ScaleAction.SCALE_ACTION_REMOVE ? 'remove' : '';
  }
  return env;
}
