/**
 * The product as an operator installs it: `npm pack`, `npm i -g` of the tarball into a temporary prefix, then the
 * README's "Using it" commands with the installed `slipstream-controller` and `slipstream`, from a folder outside
 * the repository; the client library imported by another project; the image's health check and start command run
 * from a copy of its file layout (no Docker engine here).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { httpsGet } from '../helpers/https-get.js';
import { packAndInstall, type InstalledPackage } from '../helpers/installed-package.js';
import { waitFor } from '../helpers/poll.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

interface Exit {
  code: number | null;
  out: string;
  err: string;
}

interface Spawned {
  child: ChildProcess;
  /** Leads a process group of its own (a shell running the program): signals go to the group. */
  group: boolean;
  output(): string;
  exited: Promise<Exit>;
}

/** An environment without this test runner's loaders: what a user's shell has. */
function userEnvironment(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, LANG: 'C.UTF-8', ...extra };
  return env;
}

function start(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, options: { detached?: boolean } = {}): Spawned {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
  // 'close': once every process holding its output is gone (a shell's children too), with the shell's exit code.
  const exited = new Promise<Exit>((resolve) => child.on('close', (code) => resolve({ code, out, err })));
  return { child, group: options.detached === true, output: () => out + err, exited };
}

function runTo(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, maxBuffer: 16 * 1024 * 1024 }, (error, out, err) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, out, err });
    });
  });
}

async function stop(proc: Spawned | undefined): Promise<Exit | undefined> {
  if (!proc || proc.child.exitCode !== null) return undefined;
  // A detached process leads a group of its own: the signal goes to all of it, as a terminal's Ctrl-C would.
  if (proc.group) process.kill(-proc.child.pid!, 'SIGTERM');
  else proc.child.kill('SIGTERM');
  return proc.exited;
}

let pkg: InstalledPackage;

beforeAll(async () => {
  pkg = await packAndInstall();
}, 300_000);

afterAll(async () => {
  if (pkg) await rm(pkg.root, { recursive: true, force: true });
});

/**
 * The shell commands of the README's "Using it" section, one list per code block: the first starts the controller,
 * the second uses it.
 */
async function usingItBlocks(): Promise<string[][]> {
  const readme = await readFile(join(REPO, 'README.md'), 'utf8');
  const from = readme.indexOf('\n## Using it\n');
  const section = readme.slice(from, readme.indexOf('\n### ', from));
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((block) => block[1]!.trim().split('\n'));
}

describe('the package installed from its tarball', () => {
  let home: string;
  let controller: Spawned;
  let address: string;
  let dataDir: string;
  let token: string;
  let commands: string[];
  /** A user's shell after `npm i -g` into the prefix: its bin on the PATH, `npm root -g` answering its folder. */
  const env = () => userEnvironment(home, { PATH: `${pkg.prefix}/bin:${process.env.PATH}`, NPM_CONFIG_PREFIX: pkg.prefix });
  const slipstream = (...args: string[]) => runTo(pkg.bin('slipstream'), args, home, env());

  beforeAll(async () => {
    home = join(pkg.root, 'home');
    await mkdir(home, { mode: 0o755 });
    const [startIt, useIt] = await usingItBlocks();
    expect(startIt).toEqual(['mkdir -p ~/slipstream && cd ~/slipstream && slipstream-controller']);
    commands = useIt!;
    dataDir = join(home, 'slipstream', 'data');
    address = `127.0.0.1:${await freePort()}`;
    // The README's command as written, on ports of this test's (the environment's listen addresses, not the default
    // 50051 and 50052, so that tests can run side by side). Its own process group: bash waits for the controller, not exec()s it.
    const ports = { SLIPSTREAM_LISTEN: address, SLIPSTREAM_HTTP_LISTEN: `127.0.0.1:${await freePort()}` };
    controller = start('bash', ['-c', startIt![0]!], home, { ...env(), ...ports }, { detached: true });
    token = await waitFor(
      'the installed controller to print its bootstrap token',
      async () => {
        if (controller.child.exitCode !== null) throw new Error(`controller exited: ${controller.output()}`);
        return /\n {2}(sst_\S+)\n/.exec(controller.output())?.[1];
      },
      60_000,
    );
  }, 300_000);

  afterAll(async () => {
    await stop(controller);
  });

  it('holds the built code and no TypeScript toolchain', async () => {
    const manifest = JSON.parse(await readFile(join(pkg.packageDir, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(Object.keys(manifest.bin).sort()).toEqual(['slipstream', 'slipstream-controller']);
    for (const absent of ['tsx', 'esbuild', 'typescript', 'vitest', 'vite', 'preact']) {
      await expect(readFile(join(pkg.packageDir, 'node_modules', absent, 'package.json')), absent).rejects.toThrow(/ENOENT/);
    }
    await expect(readFile(join(pkg.packageDir, 'controller', 'main.ts')), 'sources').rejects.toThrow(/ENOENT/);
    // The controller told its user the installed command, not the repository's npm script.
    expect(controller.output()).toContain(`Use it:  slipstream context set local --addr ${address} --token ${token} --ca ${join(dataDir, 'tls', 'ca.pem')}`);
  });

  it('serves the dashboard it was built with, at the address it printed', async () => {
    const url = /\nDashboard: (https:\/\/\S+) /.exec(controller.output())?.[1];
    expect(url, controller.output()).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    const ca = await readFile(join(dataDir, 'tls', 'ca.pem'), 'utf8');
    const page = await httpsGet(url!, ca);
    expect(page.status).toBe(200);
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(page.body)?.[1];
    expect(script, page.body).toBeDefined();
    const asset = await httpsGet(new URL(script!, url).href, ca);
    expect(asset.status).toBe(200);
    expect(asset.contentType).toBe('text/javascript; charset=utf-8');
  });

  it('prints its version', async () => {
    const { version } = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };
    const result = await slipstream('--version');
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out.trim()).toBe(version);
  });

  it("runs the README's commands as written from outside the repository, with no deprecation warning", async () => {
    expect(commands.length).toBeGreaterThanOrEqual(5);
    let runId: string | undefined;
    for (const written of commands) {
      expect(written).toMatch(/^slipstream /);
      if (written.includes('RUN_ID') && !runId) throw new Error(`'${written}' comes before the run is launched`);
      // The placeholders a reader fills in: the token printed once, this test's port, the id launch printed.
      const line = written.replace('sst_...', token).replace('127.0.0.1:50051', address).replaceAll('RUN_ID', runId ?? '');
      const result = await runTo('bash', ['-c', line], home, env());
      expect(result.code, `${written}: ${result.out}${result.err}`).toBe(0);
      expect(result.err, written).not.toMatch(/DeprecationWarning|ExperimentalWarning/);
      runId ??= /run ([0-9a-f-]{36})/.exec(result.out)?.[1];
    }
    expect(commands.at(-1)).toMatch(/^slipstream run terminate RUN_ID/);
    const after = await slipstream('run', 'get', runId!, '--output', 'json');
    expect(JSON.parse(after.out)).toMatchObject({ state: 'Done' });
    expect(controller.output()).not.toMatch(/DeprecationWarning/);
  }, 240_000);

  it('is a client library another project imports, typed, without the controller', async () => {
    const project = join(pkg.root, 'project');
    await mkdir(join(project, 'node_modules'), { recursive: true });
    await symlink(pkg.packageDir, join(project, 'node_modules', 'slipstream'));
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'uses-slipstream', type: 'module', private: true }));
    const program = [
      "import { readFileSync } from 'node:fs';",
      "import { createSlipstreamClient, type SlipstreamClient } from 'slipstream';",
      "const client: SlipstreamClient = createSlipstreamClient({ address: process.env.ADDR!, token: process.env.TOKEN!, tls: { ca: readFileSync(process.env.CA!) } });",
      'const me = await client.users.whoAmI({});',
      'const name: string = me.user?.name ?? "";',
      'console.log(JSON.stringify({ name, operator: me.operatorTenant }));',
      'client.close();',
    ].join('\n');
    await writeFile(join(project, 'main.ts'), program);
    const tsc = await runTo(
      process.execPath,
      [join(REPO, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--typeRoots', join(REPO, 'node_modules/@types'), '--types', 'node', 'main.ts'],
      project,
      env(),
    );
    expect(tsc.out + tsc.err).toBe('');
    expect(tsc.code).toBe(0);
    // The same program without its types, run by plain node.
    await writeFile(join(project, 'main.mjs'), program.replace(', type SlipstreamClient', '').replace(': SlipstreamClient', '').replace(/!/g, '').replace(': string', ''));
    const ran = await runTo(process.execPath, ['main.mjs'], project, userEnvironment(home, { ADDR: address, TOKEN: token, CA: join(dataDir, 'tls', 'ca.pem') }));
    expect(ran.err).toBe('');
    expect(JSON.parse(ran.out)).toEqual({ name: 'admin', operator: true });
    // What importing it loads, read off its import graph: client, common and generated code, never the controller's.
    const graph = await build({ entryPoints: [join(pkg.packageDir, 'dist/client/index.js')], bundle: true, write: false, platform: 'node', format: 'esm', packages: 'external', metafile: true, logLevel: 'silent' });
    const loaded = Object.keys(graph.metafile.inputs);
    expect(loaded.length).toBeGreaterThan(20);
    expect(loaded.filter((path) => !/dist\/(client|common|proto\/gen)\//.test(path))).toEqual([]);
  }, 120_000);

  it('answers the health check over TLS with its CA, and refuses it without', async () => {
    const healthcheck = join(pkg.packageDir, 'dist', 'controller', 'healthcheck.js');
    const healthy = await runTo(process.execPath, [healthcheck], home, userEnvironment(home, { SLIPSTREAM_LISTEN: address, SLIPSTREAM_DATA_DIR: dataDir }));
    expect(healthy, healthy.err).toMatchObject({ code: 0, err: '' });
    const wrongName = await runTo(process.execPath, [healthcheck, address], home, userEnvironment(home, { SLIPSTREAM_DATA_DIR: dataDir, SLIPSTREAM_HEALTH_SERVER_NAME: 'elsewhere.example' }));
    expect(wrongName.code).toBe(1);
    expect(wrongName.err).toMatch(/unhealthy: .*elsewhere\.example/);
    const plaintext = await runTo(process.execPath, [healthcheck, address], home, userEnvironment(home, { SLIPSTREAM_INSECURE: 'true' }));
    expect(plaintext.code).toBe(1);
    const noCa = await runTo(process.execPath, [healthcheck, address], home, userEnvironment(home, { SLIPSTREAM_DATA_DIR: join(home, 'nowhere') }));
    expect(noCa.code).toBe(1);
    expect(noCa.err).toMatch(/cannot read the controller's CA .*nowhere\/tls\/ca\.pem \(set SLIPSTREAM_HEALTH_CA\)/);
  });
});

/** The Dockerfile's final stage, as far as running it goes. */
interface ImageStage {
  env: Record<string, string>;
  workdir: string;
  copied: string[];
  healthcheck: string[];
  command: string[];
}

function parseFinalStage(dockerfile: string): ImageStage {
  const lines = dockerfile.replace(/\\\n\s*/g, ' ').split('\n');
  const final = lines.slice(lines.findLastIndex((line) => line.startsWith('FROM ')));
  const stage: ImageStage = { env: {}, workdir: '/', copied: [], healthcheck: [], command: [] };
  for (const line of final) {
    const [instruction, rest = ''] = [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1).trim()];
    if (instruction === 'ENV') for (const [, key, value] of rest.matchAll(/(\w+)=(\S+)/g)) stage.env[key!] = value!;
    if (instruction === 'WORKDIR') stage.workdir = rest;
    if (instruction === 'COPY') {
      const paths = rest.split(/\s+/).filter((word) => !word.startsWith('--'));
      const target = paths.at(-1)!;
      // Into the WORKDIR itself ("./"): the file keeps its name.
      stage.copied.push(target.endsWith('/') ? paths[0]!.split('/').at(-1)! : target.replace(/^\.\//, ''));
    }
    if (instruction === 'HEALTHCHECK') stage.healthcheck = JSON.parse(rest.slice(rest.indexOf('CMD ') + 4)) as string[];
    if (instruction === 'CMD') stage.command = JSON.parse(rest) as string[];
  }
  return stage;
}

describe("the image's file layout", () => {
  let controller: Spawned | undefined;

  afterAll(async () => {
    await stop(controller);
  });

  it('starts with its CMD, turns healthy by its HEALTHCHECK over TLS, and stops on SIGTERM', async () => {
    const stage = parseFinalStage(await readFile(join(REPO, 'Dockerfile'), 'utf8'));
    expect(stage.workdir).toBe('/app');
    expect(stage.copied.sort()).toEqual(['dist', 'node_modules', 'package.json']);
    expect(stage.command).toContain('dist/controller/main.js');
    expect(stage.healthcheck).toEqual(['node', 'dist/controller/healthcheck.js']);
    // /app as the image lays it out: package.json, dist/ and the production node_modules (those the installed package has).
    const app = join(pkg.root, 'app');
    await mkdir(app);
    await cp(join(pkg.packageDir, 'package.json'), join(app, 'package.json'));
    await cp(join(pkg.packageDir, 'dist'), join(app, 'dist'), { recursive: true });
    await symlink(join(pkg.packageDir, 'node_modules'), join(app, 'node_modules'));
    const port = await freePort();
    // The image's environment, with this test's port and a folder for its /data volume.
    const imageEnv = userEnvironment(join(pkg.root, 'home-image'), { ...stage.env, SLIPSTREAM_LISTEN: `0.0.0.0:${port}`, SLIPSTREAM_HTTP_LISTEN: `0.0.0.0:${await freePort()}`, SLIPSTREAM_DATA_DIR: join(pkg.root, 'volume') });
    const [program, ...args] = stage.command;
    expect(program).toBe('node');
    controller = start(process.execPath, args, app, imageEnv);
    const [, ...checkArgs] = stage.healthcheck;
    const healthy = await waitFor(
      'the HEALTHCHECK to pass',
      async () => {
        if (controller!.child.exitCode !== null) throw new Error(`controller exited: ${controller!.output()}`);
        const result = await runTo(process.execPath, checkArgs, app, imageEnv);
        return result.code === 0 ? result : undefined;
      },
      60_000,
    );
    expect(healthy.err).toBe('');
    const stopped = await stop(controller);
    expect(stopped?.code).toBe(0);
    const after = await runTo(process.execPath, checkArgs, app, imageEnv);
    expect(after.code).toBe(1);
  }, 120_000);
});
