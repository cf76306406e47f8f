/** Where the CLI keeps its contexts. */
import { isAbsolute, join } from 'node:path';

/**
 * `$SLIPSTREAM_CONFIG`, else `$XDG_CONFIG_HOME/slipstream/config.yaml`, else
 * `~/.config/slipstream/config.yaml`. A relative XDG_CONFIG_HOME is ignored,
 * as the XDG spec says.
 */
export function configPathFromEnv(env: Readonly<Record<string, string | undefined>>, homeDir: string): string {
  if (env.SLIPSTREAM_CONFIG) return env.SLIPSTREAM_CONFIG;
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(homeDir, '.config');
  return join(base, 'slipstream', 'config.yaml');
}
