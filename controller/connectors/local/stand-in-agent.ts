/**
 * For tests: a tiny stand-in for the real agent that the `local` driver can
 * start instead (`createLocalDriver({ agentCommand: standInAgentCommand })`).
 * It reads `--config`, appends its start to `<workDir>/starts.log` (pid,
 * argv, the VM marker, and CONTROLLER_SECRET if it leaked), leaves behind a
 * bash in its process group running a `setsid sleep 600` in a session of its
 * own (the escapee whose pid lands in `<workDir>/escaped.pid`), and waits.
 */
import { LOCAL_VM_MARKER } from './agent-launch.js';

const SCRIPT = `
const fs = require('node:fs');
const { spawn } = require('node:child_process');
const config = JSON.parse(fs.readFileSync(process.argv[process.argv.indexOf('--config') + 1], 'utf8'));
process.chdir(config.workDir);
fs.appendFileSync('starts.log', JSON.stringify({ pid: process.pid, argv: process.argv.slice(1), marker: process.env.${LOCAL_VM_MARKER}, secret: process.env.CONTROLLER_SECRET }) + '\\n');
spawn('bash', ['-c', 'setsid sleep 600 & echo $! > escaped.pid.tmp && mv escaped.pid.tmp escaped.pid; wait'], { stdio: 'ignore' });
setInterval(() => {}, 60_000);
`;

/** The stand-in agent's command (this Node binary); the driver appends `--config FILE`. */
export function standInAgentCommand(): string[] {
  return [process.execPath, '-e', SCRIPT, '--'];
}
