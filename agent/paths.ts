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
  /**
   * The Unix socket the recipe commands talk to (mode 0600): `<workDir>/agent.sock`, or, when that is too long
   * for a socket path, `agent.sock` in {@link AgentPaths.socketDir} (see socket-place.ts).
   */
  socketPath: string;
  /** The private folder made for the socket under the temp dir, when it is not in the work dir; removed when the agent ends. */
  socketDir?: string;
}

/** The agent's file layout under `workDir` (the socket there too: options.ts moves it when that path is too long). */
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
