/**
 * The `slipstream` command line: global flags, the command tree, and how a
 * parse ends (exit codes). Each command lives in commands/<noun>/<verb>.ts.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { packageVersion } from '../../common/package-root.js';
import { createSlipstreamClient, type SlipstreamClient } from '../index.js';
import type { CommandHost, GlobalOptions } from './command-kit.js';
import { joinAddresses, resolveConnection, type ConnectionFlags } from './config/connection.js';
import { readConfig } from './config/file.js';
import { connectionTlsServerName, parseTlsServerName } from './config/tls-server-name.js';
import { OUTPUT_FORMATS, type CliDeps, type CliIo } from './deps.js';
import { reportError, UsageError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import * as cloudAdd from './commands/cloud/add.js';
import * as cloudGet from './commands/cloud/get.js';
import * as cloudList from './commands/cloud/list.js';
import * as cloudRemove from './commands/cloud/remove.js';
import * as cloudTest from './commands/cloud/test.js';
import * as cloudUpdate from './commands/cloud/update.js';
import * as contextList from './commands/context/list.js';
// The folder is plural: eslint keeps client/ from importing any path with a `controller` segment.
import * as controllerList from './commands/controllers/list.js';
import * as contextSet from './commands/context/set.js';
import * as contextShow from './commands/context/show.js';
import * as contextUse from './commands/context/use.js';
import * as credentialDelete from './commands/credential/delete.js';
import * as credentialSet from './commands/credential/set.js';
import * as imageBuild from './commands/image/build.js';
import * as imageDelete from './commands/image/delete.js';
import * as imageList from './commands/image/list.js';
import * as moduleDelete from './commands/module/delete.js';
import * as moduleGet from './commands/module/get.js';
import * as moduleHistory from './commands/module/history.js';
import * as moduleList from './commands/module/list.js';
import * as modulePublications from './commands/module/publications.js';
import * as modulePublish from './commands/module/publish.js';
import * as modulePull from './commands/module/pull.js';
import * as modulePush from './commands/module/push.js';
import * as moduleResolve from './commands/module/resolve.js';
import * as moduleShared from './commands/module/shared.js';
import * as moduleTag from './commands/module/tag.js';
import * as moduleTags from './commands/module/tags.js';
import * as moduleUnpublish from './commands/module/unpublish.js';
import * as moduleUntag from './commands/module/untag.js';
import * as moduleValidate from './commands/module/validate.js';
import * as quotaList from './commands/quota/list.js';
import * as quotaSet from './commands/quota/set.js';
import * as runAbort from './commands/run/abort.js';
import * as runEvents from './commands/run/events.js';
import * as runDelete from './commands/run/delete.js';
import * as runGetParam from './commands/run/get-param.js';
import * as runGet from './commands/run/get.js';
import * as runLaunch from './commands/run/launch.js';
import * as runList from './commands/run/list.js';
import * as runLogs from './commands/run/logs.js';
import * as runParams from './commands/run/params.js';
import * as runReports from './commands/run/reports.js';
import * as runScale from './commands/run/scale.js';
import * as runSetParam from './commands/run/set-param.js';
import * as runTerminate from './commands/run/terminate.js';
import * as runWatch from './commands/run/watch.js';
import * as completeValues from './commands/shell/complete-values.js';
import * as completion from './commands/shell/completion.js';
import * as tenantCreate from './commands/tenant/create.js';
import * as tenantGet from './commands/tenant/get.js';
import * as tenantList from './commands/tenant/list.js';
import * as tokenCreate from './commands/token/create.js';
import * as templateDelete from './commands/template/delete.js';
import * as templateGet from './commands/template/get.js';
import * as templateHistory from './commands/template/history.js';
import * as templateList from './commands/template/list.js';
import * as templateSave from './commands/template/save.js';
import * as tokenList from './commands/token/list.js';
import * as tokenRevoke from './commands/token/revoke.js';
import * as userCreate from './commands/user/create.js';
import * as userDelete from './commands/user/delete.js';
import * as userGet from './commands/user/get.js';
import * as userList from './commands/user/list.js';
import * as userSetRole from './commands/user/set-role.js';
import * as usage from './commands/usage/show.js';
import * as whoami from './commands/user/whoami.js';

type Registrar = { register(parent: Command, host: CommandHost): void };

/** Noun groups and their verbs, in help order. */
const GROUPS: ReadonlyArray<readonly [string, string, readonly Registrar[]]> = [
  ['context', 'manage saved controller connections', [contextSet, contextUse, contextList, contextShow]],
  [
    'module',
    'the module catalog: push, pull, inspect',
    [modulePush, modulePull, moduleGet, moduleList, moduleHistory, moduleDelete, moduleValidate, moduleResolve, moduleTag, moduleUntag, moduleTags, modulePublish, moduleUnpublish, modulePublications, moduleShared],
  ],
  [
    'run',
    'runs: launch, follow, operate, inspect',
    [
      runLaunch,
      runList,
      runGet,
      runWatch,
      runTerminate,
      runAbort,
      runDelete,
      runScale,
      runParams,
      runGetParam,
      runSetParam,
      runEvents,
      runLogs,
      runReports,
    ],
  ],
  ['template', 'deployment templates: saved launches (run launch --template NAME)', [templateSave, templateGet, templateList, templateHistory, templateDelete]],
  ['image', 'images built from components: build (a run of its own kind), list, delete', [imageBuild, imageList, imageDelete]],
  [
    'cloud',
    'clouds: drivers and their settings (changes: operator admins)',
    [cloudAdd, cloudList, cloudGet, cloudUpdate, cloudRemove, cloudTest],
  ],
  ['credential', "your tenant's write-only credentials for a cloud", [credentialSet, credentialDelete]],
  ['quota', 'instance quotas per tenant and cloud', [quotaSet, quotaList]],
  ['tenant', 'tenants (operator admins)', [tenantCreate, tenantList, tenantGet]],
  ['controller', 'the controller replicas sharing the database (operator admins)', [controllerList]],
  ['user', 'users of your tenant', [userCreate, userList, userGet, userSetRole, userDelete]],
  ['token', 'API tokens', [tokenCreate, tokenList, tokenRevoke]],
];

/** How a client is made from the effective connection; tests may replace it. */
export type ClientFactory = (io: CliIo, flags: ConnectionFlags) => SlipstreamClient;

/** The default: config file, then environment, then flags decide. */
export const connectFromConfig: ClientFactory = (io, flags) => {
  const connection = resolveConnection(readConfig(io.configPath), io.env, flags);
  if (connection.address === undefined) {
    throw new UsageError(
      'no controller address: pass --addr, set SLIPSTREAM_ADDR, or save a context (slipstream context set NAME --addr HOST:PORT)',
    );
  }
  const serverName = connectionTlsServerName(connection);
  return createSlipstreamClient({
    address: connection.address,
    token: connection.token,
    ...(connection.ca ? { tls: { ca: readCaFile(connection.ca), ...(serverName ? { serverName } : {}) } } : {}),
  });
};

/** Builds the program; every action stores its exit code through `setExitCode`. */
export function buildProgram(io: CliIo, setExitCode: (code: number) => void, connect: ClientFactory = connectFromConfig): Command {
  const host: CommandHost = {
    async invoke(command, run, opts) {
      const globals = command.optsWithGlobals<GlobalOptions>();
      let client: SlipstreamClient | undefined;
      const deps: CliDeps = { ...io, connect: () => (client ??= connect(io, globals)) };
      try {
        setExitCode(await run(deps, opts(globals)));
      } catch (error) {
        setExitCode(reportError(io, error));
      } finally {
        client?.close();
      }
    },
  };
  const program = new Command('slipstream')
    .description('Slipstream deployment automation: modules, runs, clouds, tenants, users and tokens')
    .version(packageVersion(), '-V, --version', 'print the version of slipstream')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)')
    .addOption(new Option('--output <format>', 'output format').choices(OUTPUT_FORMATS).default('table'))
    .option('--addr <host:port>', 'controller address; replicas comma-separated or --addr repeated (overrides SLIPSTREAM_ADDR and the context)', joinAddresses)
    .option('--token <token>', 'API token (overrides SLIPSTREAM_TOKEN and the context)')
    .option('--ca <file>', "PEM of the controller's CA: connect over TLS pinned to it (overrides SLIPSTREAM_CA and the context)")
    .option(
      '--tls-server-name <name>',
      "the name (or IP) the controller's certificate carries, when the address is not one of them; TLS only (overrides SLIPSTREAM_TLS_SERVER_NAME and the context)",
      parseTlsServerName,
    );
  whoami.register(program, host);
  usage.register(program, host);
  for (const [noun, description, verbs] of GROUPS) {
    const group = program.command(noun).description(description);
    for (const verb of verbs) verb.register(group, host);
  }
  completion.register(program, host);
  completeValues.register(program, host);
  return program;
}

/**
 * Runs the CLI on `argv` (without node and script) and resolves to the exit
 * code: commander's own errors (unknown flag, bad choice, missing argument)
 * exit 2; `--help` exits 0.
 */
export async function runCli(argv: readonly string[], io: CliIo, connect?: ClientFactory): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = buildProgram(io, (code) => (exitCode = code), connect);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    return reportError(io, error);
  }
  return exitCode;
}

/** Reads the CA file of a TLS connection; a missing file is a usage error naming it. */
function readCaFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(`cannot read the CA file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
