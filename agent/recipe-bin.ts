/**
 * The recipe commands on the scripts' PATH: `<workDir>/bin/ss-get` etc. are
 * tiny `#!/bin/sh` wrappers that exec the agent's own entry (the bundle, or
 * agent/main.ts through tsx when running from source) with the command name.
 */
import { createRequire } from 'node:module';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shellQuote } from './packages.js';

/** The recipe commands, as SlipStream named them. */
export const RECIPE_COMMANDS = ['ss-get', 'ss-set', 'ss-display', 'ss-abort', 'ss-random', 'ss-get-all'] as const;

export type RecipeCommand = (typeof RECIPE_COMMANDS)[number];

/** True when `name` is a recipe command. */
export function isRecipeCommand(name: string | undefined): name is RecipeCommand {
  return (RECIPE_COMMANDS as readonly string[]).includes(name ?? '');
}

/**
 * The command line that starts this agent's entry: `[node, bundle]`, or
 * `[node, --import, <tsx>, agent/main.ts]` when running from source.
 */
export function agentCommandLine(): string[] {
  // Resolving tsx walks node_modules: once per process, not once per agent a sim worker hosts.
  commandLine ??= Object.freeze(resolveCommandLine());
  return [...commandLine];
}

let commandLine: readonly string[] | undefined;

function resolveCommandLine(): string[] {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const tsx = createRequire(here).resolve('tsx');
    return [process.execPath, '--import', tsx, fileURLToPath(new URL('./main.ts', here))];
  }
  return [process.execPath, fileURLToPath(here)];
}

/** Writes the wrappers into `binDir` (mode 0755); each defaults SLIPSTREAM_AGENT_SOCKET to `socketPath`. */
export async function writeRecipeCommands(binDir: string, socketPath: string, commandLine: readonly string[]): Promise<void> {
  await mkdir(binDir, { recursive: true, mode: 0o755 });
  const exec = commandLine.map(shellQuote).join(' ');
  await Promise.all(
    RECIPE_COMMANDS.map(async (name) => {
      const file = join(binDir, name);
      const text = [
        '#!/bin/sh',
        `# Slipstream recipe command: talks to the local agent.`,
        `: "\${SLIPSTREAM_AGENT_SOCKET:=${socketPath.replace(/["\\$`]/g, '\\$&')}}"`,
        'export SLIPSTREAM_AGENT_SOCKET',
        `exec ${exec} ${name} "$@"`,
        '',
      ].join('\n');
      await writeFile(file, text, { mode: 0o755 });
      await chmod(file, 0o755);
    }),
  );
}
