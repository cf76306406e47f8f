/**
 * The agent's command line, and the only place that reads process.env and
 * argv. `node agent.mjs --config FILE` runs the agent (exit 0 when the run
 * ended normally or the agent was stopped, 1 on a fatal error, 2 on usage);
 * `node agent.mjs ss-get ...` (and the other recipe commands) runs a recipe
 * command against the running agent.
 */
import { isRecipeCommand } from './recipe-bin.js';

const USAGE = `usage: slipstream-agent --config FILE [--log-level debug|info|warn|error]
       slipstream-agent ss-get|ss-set|ss-display|ss-abort|ss-random|ss-get-all ARGS...`;

async function main(argv: string[]): Promise<number> {
  const command = argv[0];
  if (isRecipeCommand(command)) {
    // Loaded lazily: a recipe command must start fast and needs no gRPC.
    const { runRecipeCommand } = await import('./ss-commands.js');
    return runRecipeCommand(command, argv.slice(1), {
      stdout: (t) => process.stdout.write(t),
      stderr: (t) => process.stderr.write(t),
      env: process.env,
    });
  }
  let configPath: string | undefined;
  let logLevel: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--config') configPath = argv[++i];
    else if (arg.startsWith('--config=')) configPath = arg.slice('--config='.length);
    else if (arg === '--log-level') logLevel = argv[++i];
    else if (arg === '-h' || arg === '--help') {
      process.stdout.write(USAGE + '\n');
      return 0;
    } else if (arg === '--version') {
      const { AGENT_VERSION } = await import('./version.js');
      process.stdout.write(AGENT_VERSION + '\n');
      return 0;
    } else {
      process.stderr.write(`slipstream-agent: unknown argument ${arg}\n${USAGE}\n`);
      return 2;
    }
  }
  if (!configPath) {
    process.stderr.write(`slipstream-agent: --config FILE is required\n${USAGE}\n`);
    return 2;
  }
  if (logLevel !== undefined && !['debug', 'info', 'warn', 'error'].includes(logLevel)) {
    process.stderr.write(`slipstream-agent: --log-level must be debug, info, warn or error\n`);
    return 2;
  }
  const { startAgent } = await import('./agent.js');
  const { AgentConfigError } = await import('./config.js');
  let agent;
  try {
    agent = await startAgent({ configPath, logLevel: logLevel as 'info' | undefined, env: process.env });
  } catch (err) {
    const message = err instanceof AgentConfigError ? err.message : `cannot start: ${(err as Error).message}`;
    process.stderr.write(`slipstream-agent: ${message}\n`);
    return 1;
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`slipstream-agent: ${signal} received; stopping\n`);
    void agent.stop();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const exit = await agent.done;
  if (exit.reason === 'fatal') process.stderr.write(`slipstream-agent: ${exit.error?.message ?? 'fatal error'}\n`);
  return exit.exitCode;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // gRPC or a stray timer must not keep a finished agent alive.
    setTimeout(() => process.exit(code), 1_000).unref();
  },
  (err: unknown) => {
    process.stderr.write(`slipstream-agent: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
