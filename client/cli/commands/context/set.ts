/** `slipstream context set NAME --addr A[,B...] [--token T] [--ca F] [--tls-server-name N]`: saves a named controller connection (one address per replica). */
import { resolve } from 'node:path';
import { Argument, type Command } from 'commander';
import type { CommandHost } from '../../command-kit.js';
import { guarded } from '../../command-kit.js';
import { completeWith } from '../../completion/value-hints.js';
import { normalizeAddresses } from '../../config/connection.js';
import { readConfig, writeConfig } from '../../config/file.js';
import { checkTlsServerName, TLS_SERVER_NAME_FLAG } from '../../config/tls-server-name.js';
import type { CliDeps } from '../../deps.js';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';

/** Options of `context set`. */
export interface ContextSetOptions {
  name: string;
  /** Required for a new context; keeps the saved one when omitted. Replicas comma-separated. */
  address?: string;
  /** Keeps the saved one when omitted. */
  token?: string;
  /** CA file (TLS); keeps the saved one when omitted. */
  ca?: string;
  /** The name the controller's certificate carries (TLS only); keeps the saved one when omitted. */
  tlsServerName?: string;
}

const CONTEXT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Creates or updates a context; the first context saved becomes the current one. */
export function run(deps: CliDeps, opts: ContextSetOptions): Promise<number> {
  return guarded(deps, async () => {
    if (!CONTEXT_NAME.test(opts.name)) {
      throw new UsageError(`context name '${opts.name}' must be letters, digits, '.', '_' or '-' (at most 63)`);
    }
    const config = readConfig(deps.configPath);
    const existing = config.contexts[opts.name];
    const address = opts.address === undefined ? existing?.address : normalizeAddresses(opts.address);
    if (!address) throw new UsageError(`context '${opts.name}' is new: --addr is required`);
    const token = opts.token ?? existing?.token;
    const ca = opts.ca ? resolve(opts.ca) : existing?.ca;
    const tlsServerName = opts.tlsServerName === undefined ? existing?.tlsServerName : checkTlsServerName(opts.tlsServerName);
    if (tlsServerName !== undefined && ca === undefined) {
      throw new UsageError(`${TLS_SERVER_NAME_FLAG} is meaningless without TLS: context '${opts.name}' has no CA (add --ca FILE)`);
    }
    config.contexts[opts.name] = {
      address,
      ...(token === undefined ? {} : { token }),
      ...(ca === undefined ? {} : { ca }),
      ...(tlsServerName === undefined ? {} : { tlsServerName }),
    };
    const makeCurrent = config.current === undefined || config.contexts[config.current] === undefined;
    if (makeCurrent) config.current = opts.name;
    await writeConfig(deps.configPath, config);
    deps.stderr.write(`context '${opts.name}' saved${makeCurrent ? ' and made current' : ''} (${deps.configPath})\n`);
    return ExitCode.ok;
  });
}

/** Registers `context set`; it takes its address and token from the global --addr and --token. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('set')
    .description('save a controller connection under a name (uses the global --addr, --token, --ca and --tls-server-name)')
    .addArgument(completeWith(new Argument('<name>', 'context name'), { source: 'contexts' }))
    .addHelpText(
      'after',
      '\nExamples:\n  slipstream context set prod --addr controller.example.com:7070 --token "$TOKEN"\n' +
        '  slipstream context set ha --addr c1.example.com:7070,c2.example.com:7070 --token "$TOKEN"   (replicas; or repeat --addr)\n' +
        '  slipstream context set lb --addr 10.0.0.5:7070 --ca ca.pem --tls-server-name controller.example.com   (certificate for another name)',
    )
    .action((name: string, _flags: unknown, command: Command) =>
      host.invoke(command, run, (g) => ({ name, address: g.addr, token: g.token, ca: g.ca, tlsServerName: g.tlsServerName })),
    );
}
