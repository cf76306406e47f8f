import { join } from 'node:path';

/** Where the agent keeps everything, all under its work dir. */
export interface AgentPaths {
  workDir: string;
  /** Credential and completed phases (mode 0600). */
  stateFile: string;
  /** One `<recipe>.log` per recipe; part of the report tarball. */
  logsDir: string;
  /** SLIPSTREAM_REPORT_DIR: what recipes put here is part of the report tarball. */
  reportsDir: string;
  /** The scripts' working directory. */
  homeDir: string;
  /** The recipe commands (`ss-get`, ...), put first on the scripts' PATH. */
  binDir: string;
  /** Where each script is written before it runs. */
  scriptsDir: string;
  /** Scratch space (report tarballs). */
  tmpDir: string;
  /** The Unix socket the recipe commands talk to (mode 0600). */
  socketPath: string;
}

/** The agent's file layout under `workDir`. */
export function agentPaths(workDir: string): AgentPaths {
  return {
    workDir,
    stateFile: join(workDir, 'state.json'),
    logsDir: join(workDir, 'logs'),
    reportsDir: join(workDir, 'reports'),
    homeDir: join(workDir, 'home'),
    binDir: join(workDir, 'bin'),
    scriptsDir: join(workDir, 'scripts'),
    tmpDir: join(workDir, 'tmp'),
    socketPath: join(workDir, 'agent.sock'),
  };
}
