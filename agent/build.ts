/**
 * Bundles the agent into one file, `dist/agent.mjs` (ESM, node20, minified),
 * with a createRequire banner so grpc-js's CommonJS `require` calls work.
 * Run: `node --import tsx agent/build.ts [OUT]`; the controller calls
 * buildAgentBundle to serve the bundle (with its sha256) to VMs.
 */
import { build, type Plugin } from 'esbuild';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The default bundle path: `<repo>/dist/agent.mjs`. */
export const DEFAULT_AGENT_BUNDLE = resolve(ROOT, 'dist', 'agent.mjs');

/**
 * ts-proto emits `export const XServiceClient = makeGenericClientConstructor(...)`
 * at the top of every generated file; esbuild must assume such a call has side
 * effects, which keeps every service of runs.ts and modules.ts (and all their
 * messages) in the bundle. The call is pure (it only builds a class), so it is
 * marked so at load time: unused services and messages are then dropped.
 */
const pureGeneratedClients: Plugin = {
  name: 'pure-generated-clients',
  setup(b) {
    b.onLoad({ filter: /[\\/]proto[\\/]gen[\\/].*\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      return { contents: source.replace(/= makeGenericClientConstructor\(/g, '= /* @__PURE__ */ makeGenericClientConstructor('), loader: 'ts' };
    });
  },
};

/** The built bundle. */
export interface AgentBundle {
  path: string;
  bytes: number;
  sha256: string;
}

/** A bundle as buildAgentBundle made it: with the files it was made from. */
export interface BuiltAgentBundle extends AgentBundle {
  /** Every file esbuild read (sources, generated code, node_modules), relative to the repository root. */
  inputs: string[];
}

/** How buildAgentBundle writes its file. */
export interface BundleFileOptions {
  /**
   * Owner-only, whatever the umask: the folder 0700, the bundle 0600 (the
   * controller's copy in its data dir, which it serves in-process). Default:
   * the umask's modes, as for dist/.
   */
  private?: boolean;
}

/** Builds the agent bundle into `outFile` (default dist/agent.mjs). */
export async function buildAgentBundle(outFile: string = DEFAULT_AGENT_BUNDLE, options: BundleFileOptions = {}): Promise<BuiltAgentBundle> {
  const path = resolve(outFile);
  await mkdir(dirname(path), { recursive: true, ...(options.private ? { mode: 0o700 } : {}) });
  if (options.private) await chmod(dirname(path), 0o700);
  // Built beside it under a name of its own, then renamed over it: replicas sharing a data dir (and controllers
  // restarted in one process) build it at once while others serve it.
  const building = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const { metafile } = await build({
    absWorkingDir: ROOT,
    metafile: true,
    entryPoints: [resolve(ROOT, 'agent', 'main.ts')],
    outfile: building,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    plugins: [pureGeneratedClients],
    logLevel: 'warning',
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __ssCreateRequire } from 'node:module'; const require = __ssCreateRequire(import.meta.url);",
    },
  });
  if (options.private) await chmod(building, 0o600);
  const bytes = await readFile(building);
  await rename(building, path);
  return { path, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), inputs: Object.keys(metafile.inputs) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildAgentBundle(process.argv[2]).then(
    (b) => process.stdout.write(`${b.path}\n  bytes:  ${b.bytes}\n  sha256: ${b.sha256}\n`),
    (err: unknown) => {
      process.stderr.write(`agent build failed: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
