/**
 * Measures what open WatchRun streams of one tenant cost the controller: a
 * controller process (SQLite, plaintext, a temp dir) with one live run on the
 * `local` driver, a viewer opening N watches, then one parameter change and
 * one abort fanned out to all of them. Prints the controller's resident
 * memory (VmRSS) at each step and how many watches were refused.
 *
 *   node --import tsx scripts/measure-stream-memory.ts [WATCHES] [TOKENS] [--no-limits]
 *
 * WATCHES (default 2000) are opened round-robin over TOKENS viewer tokens
 * (default 1); --no-limits starts the controller with the stream limits off.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { createSlipstreamClient } from '../client/index.js';
import { RunServiceClient, type WatchRunResponse } from '../proto/gen/slipstream/v1/runs.js';
import { Role } from '../proto/gen/slipstream/v1/users.js';
import { spawnController, startedPort } from '../test/helpers/controller-process.js';
import { waitFor } from '../test/helpers/poll.js';

const args = process.argv.slice(2);
const watches = Number(args.find((a) => /^\d+$/.test(a)) ?? 2000);
const tokenCount = Number(args.filter((a) => /^\d+$/.test(a))[1] ?? 1);
const noLimits = args.includes('--no-limits');

const rssMb = async (pid: number) => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024);
};
const settle = () => new Promise((resolve) => setTimeout(resolve, 3000));

const dataDir = await mkdtemp(join(tmpdir(), 'stream-memory-'));
const adminToken = `sst_${randomBytes(32).toString('base64url')}`;
const env: Record<string, string> = { SLIPSTREAM_BOOTSTRAP_TOKEN: adminToken };
if (noLimits) Object.assign(env, { SLIPSTREAM_MAX_STREAMS_PER_TOKEN: '0', SLIPSTREAM_MAX_STREAMS_PER_TENANT: '0' });
const controller = spawnController(['--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--data-dir', dataDir, '--insecure'], env);
try {
  const port = await startedPort(controller);
  const address = `127.0.0.1:${port}`;
  const pid = controller.child.pid!;
  const admin = createSlipstreamClient({ address, token: adminToken });
  await admin.modules.save({ kind: 'component', path: 'mem/vm', images: { local: 'local' }, resources: {}, recipes: { deployment: 'sleep 600' }, parameters: [{ name: 'note', category: 'input', type: 'string', default: 'x' }] });
  await admin.modules.save({ kind: 'application', path: 'mem/app', nodes: [{ name: 'vm', component: 'mem/vm', multiplicity: 1, maxProvisioningFailures: 0, mappings: {} }] });
  const run = await admin.runs.launch({ module: 'mem/app' });
  await waitFor('the run to execute', async () => ((await admin.runs.get(run.id)).state === 'Executing' ? true : undefined), 60_000);
  await admin.users.create({ name: 'viewer', role: Role.ROLE_VIEWER });
  const tokens: string[] = [];
  for (let i = 0; i < tokenCount; i++) tokens.push((await admin.tokens.create({ name: `watch-${i}`, user: 'viewer' })).secret);
  await settle();
  const baseline = await rssMb(pid);

  const raw = new RunServiceClient(address, credentials.createInsecure());
  const open: ClientReadableStream<WatchRunResponse>[] = [];
  let refused = 0;
  let updates = 0;
  await Promise.all(
    Array.from({ length: watches }, (_, i) => {
      const metadata = new Metadata();
      metadata.set('authorization', `Bearer ${tokens[i % tokens.length]}`);
      const call = raw.watchRun({ id: run.id, afterSequence: 0, includeLogs: false, logInstance: '' }, metadata);
      return new Promise<void>((resolve) => {
        call.once('data', () => {
          open.push(call);
          resolve();
        });
        call.on('data', () => updates++);
        call.on('error', (_err: ServiceError) => {
          if (!open.includes(call)) refused++;
          resolve();
        });
      });
    }),
  );
  await settle();
  const withWatches = await rssMb(pid);
  await admin.runs.setParameter(run.id, 'vm.1:note', 'y'.repeat(1000));
  await settle();
  const afterSet = await rssMb(pid);
  const before = updates;
  await admin.runs.abort(run.id, 'measured');
  await waitFor('the abort to fan out', async () => (updates > before + open.length ? true : undefined), 60_000).catch(() => undefined);
  const afterAbort = await rssMb(pid);
  process.stdout.write(
    `${JSON.stringify({ watches, tokens: tokenCount, limits: !noLimits, open: open.length, refused, rssMb: { baseline, withWatches, afterParameterSet: afterSet, afterAbort } })}\n`,
  );
  for (const call of open) call.cancel();
  raw.close();
  await admin.runs.terminate(run.id).catch(() => undefined);
  admin.close();
} finally {
  controller.child.kill('SIGTERM');
  await controller.exited;
  await rm(dataDir, { recursive: true, force: true });
}
