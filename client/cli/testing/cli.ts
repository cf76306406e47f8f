/** Runs a command line through the real parser with fake deps, for what only `register` checks (flag values, arguments). */
import { runCli } from '../program.js';
import type { FakeDeps } from './fake-deps.js';

/** `slipstream <argv...>` with `deps` and its fake client; resolves to the exit code. */
export function cli(deps: FakeDeps, ...argv: string[]): Promise<number> {
  return runCli(argv, deps, () => deps.connect());
}
