/**
 * The address VMs are given (issue 20): a controller with --public-address
 * hands a cloud VM user-data whose dial address and agent download URL both
 * use it; a controller that advertises a wildcard host refuses to start with
 * a cloud of VMs on other machines in its catalog (in process and as a real
 * process, exit 2), refuses to add one, and fails provisioning on one that
 * another replica added, each time naming --public-address. Wildcard
 * listeners are only bound here, never dialled: clients dial 127.0.0.1.
 */
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { protos } from '@google-cloud/compute';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, FailedPreconditionError, type SlipstreamClient } from '../../client/index.js';
import { SERVICE_ACCOUNT_JSON } from '../../controller/connectors/gcp/gcp-driver.js';
import { startController } from '../../controller/controller.js';
import { createLogger } from '../../controller/logger.js';
import { compileControllerOptions } from '../../controller/options.js';
import { UnreachableControllerError } from '../../controller/remote-clouds.js';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import { FakeComputeServer } from '../fakes/gcp/fake-compute-server.js';
import { saveCloudApp } from '../helpers/cloud-e2e.js';
import { spawnController } from '../helpers/controller-process.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { waitFor } from '../helpers/poll.js';
import { TestRuns } from '../helpers/runs.js';
import { executeSql, selectRows } from '../helpers/sql.js';
import { agentConfigOf, parseCloudConfig } from '../helpers/vm-boot.js';

const PUBLIC = 'deploy.example.test';
const UNREACHABLE = /VMs would be told to reach this controller at 0\.0\.0\.0 \(--listen 0\.0\.0\.0:0\), which names no machine: give the controller --public-address HOST \(SLIPSTREAM_PUBLIC_ADDRESS\)/;

describe('a controller with --public-address gives cloud VMs that address', () => {
  const CLOUD = 'gce';
  const TOKEN = 'public-address-token';
  let gce: FakeComputeServer;
  let harness: Harness;
  const scratch = mkdtempSync(join(tmpdir(), 'public-address-'));

  beforeAll(async () => {
    gce = await FakeComputeServer.start({ token: TOKEN, operationRounds: 1 });
    const auth = () => {
      const client = new OAuth2Client();
      client.setCredentials({ access_token: TOKEN });
      return client;
    };
    harness = await startHarness({
      database: 'sqlite',
      tls: true,
      clouds: [
        {
          name: CLOUD,
          driver: 'gcp',
          settings: { project: 'slipstream-test', zone: 'europe-west1-b', machineType: 'e2-medium', endpoint: gce.endpoint },
          credential: { [SERVICE_ACCOUNT_JSON]: JSON.stringify({ type: 'service_account', client_email: 'sa@p.iam.gserviceaccount.com', private_key: 'unused' }) },
        },
      ],
      driverOptions: { gcp: { authClient: auth, maxPollIntervalMs: 50 } },
      controllerOptions: { publicAddress: PUBLIC },
    });
    await saveCloudApp(harness.client, 'gce', CLOUD, 'projects/ubuntu-os-cloud/global/images/family/ubuntu-2404-lts-amd64');
  }, 90_000);

  afterAll(async () => {
    await harness?.close();
    await gce?.close();
    rmSync(scratch, { recursive: true, force: true });
  }, 60_000);

  it('in the user-data: the agent dials it on the gRPC port and downloads the bundle from it over https; cloud-init accepts it', async () => {
    const launched = await harness.runs.launch('gce/app', { defaultCloud: CLOUD, timeoutMinutes: 10 });
    const userData = await waitFor('the fake Compute API to hold a VM of the run', async () => {
      const metadata = [...gce.instances.values()]
        .map((i) => Object.fromEntries(((i.body as protos.google.cloud.compute.v1.IInstance).metadata?.items ?? []).map((m) => [m.key, m.value])))
        .find((items) => items['slipstream-run'] === launched.id);
      return metadata?.['user-data'] ?? undefined;
    }, 60_000);
    const grpcPort = Number(harness.controller.address.split(':').pop());
    expect(agentConfigOf(userData)).toMatchObject({ controller: `${PUBLIC}:${grpcPort}`, caCertificate: harness.controller.caCertificate });
    const install = parseCloudConfig(userData).write_files.find((f) => f.path === '/opt/slipstream/install.sh')!.content;
    const download = /curl -fsS --cacert \/opt\/slipstream\/controller-ca\.pem -o \/opt\/slipstream\/agent\.mjs\.part '([^']+)'/.exec(install)?.[1];
    expect(download).toMatch(new RegExp(`^https://${PUBLIC.replace(/\./g, '\\.')}:(\\d+)/agent/agent\\.mjs$`));
    expect(Number(new URL(download!).port)).not.toBe(grpcPort);
    expect(userData).not.toContain('127.0.0.1');

    // The VM checks the server certificate against the host it was given.
    const certificate = new X509Certificate(readFileSync(join(harness.dataDir, 'tls', 'server.pem')));
    expect(certificate.subjectAltName).toContain(`DNS:${PUBLIC}`);

    const cloudInit = spawnSync('cloud-init', ['--version'], { encoding: 'utf8' });
    if (cloudInit.error) {
      console.warn('[public-address] cloud-init is not installed (apt-get install -y cloud-init): schema check skipped');
      return;
    }
    const path = join(scratch, 'user-data.yaml');
    writeFileSync(path, userData);
    const schema = spawnSync('cloud-init', ['schema', '--config-file', path], { encoding: 'utf8' });
    expect(schema.stderr, schema.stderr).not.toMatch(/error|deprecat/i);
    expect(schema.status).toBe(0);
  }, 90_000);
});

describe('a controller that advertises a wildcard host (sqlite)', () => {
  let first: TestController;
  let awsRow: Record<string, unknown>;
  const wildcard = { listen: '0.0.0.0:0', httpListen: '127.0.0.1:0' };

  beforeAll(async () => {
    // A controller on 127.0.0.1 stores an ec2 cloud (and the operator's credential for it), an app for it, and stops.
    first = await startTestController({ database: 'sqlite' });
    const client = createSlipstreamClient({ address: first.address, token: first.adminToken });
    await client.clouds.create('aws', 'ec2', { region: 'eu-west-1' });
    await client.clouds.setCredential('aws', { accessKeyId: 'testing', secretAccessKey: 'testing' });
    await saveCloudApp(client, 'aws', 'aws', 'ami-0123456789abcdef0');
    client.close();
    await first.stopControllerOnly();
    [awsRow] = (await selectRows(first.databaseUrl, 'select * from clouds where name = ?', ['aws'])) as [Record<string, unknown>];
  }, 60_000);

  afterAll(async () => {
    await first?.stop();
  });

  const restart = (controllerOptions: Parameters<typeof startTestController>[0]['controllerOptions']) =>
    startTestController({ database: 'sqlite', reuse: { dataDir: first.dataDir, databaseUrl: first.databaseUrl, adminToken: first.adminToken }, controllerOptions });

  // First: a refused start in this process leaves its replica row, naming a live pid (this one), which a real process would not.
  it('as a process: refuses to start, exits 2 with the message on stderr', async () => {
    const proc = spawnController(['--data-dir', first.dataDir, '--listen', '0.0.0.0:0', '--http-listen', '127.0.0.1:0', '--insecure']);
    expect(await proc.exited).toBe(2);
    expect(proc.stderr()).toMatch(/slipstream-controller: refusing to start: cloud 'aws' \(driver ec2\) makes VMs on other machines/);
    expect(proc.stderr()).toMatch(UNREACHABLE);
  }, 60_000);

  it('in process: refuses to start (UnreachableControllerError), naming --public-address', async () => {
    // startController itself: the test helper removes the data dir of a start that fails.
    const options = compileControllerOptions({ ...wildcard, dataDir: first.dataDir, databaseUrl: first.databaseUrl, insecure: true, logLevel: 'silent' });
    const refused = await startController(options, createLogger('silent')).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(UnreachableControllerError);
    expect((refused as Error).message).toMatch(/^refusing to start: cloud 'aws' \(driver ec2\) makes VMs on other machines, but /);
    expect((refused as Error).message).toMatch(UNREACHABLE);
  }, 60_000);

  it('starts with --public-address on the same listen address', async () => {
    const started = await restart({ ...wildcard, publicAddress: PUBLIC });
    await started.stopControllerOnly();
  }, 60_000);

  describe('with only local clouds at start', () => {
    let controller: TestController;
    let client: SlipstreamClient;

    beforeAll(async () => {
      await executeSql(first.databaseUrl, 'delete from clouds where name = ?', ['aws']);
      controller = await restart(wildcard);
      // Bound on every interface; dialled on the loopback only.
      client = createSlipstreamClient({ address: `127.0.0.1:${controller.address.split(':').pop()}`, token: first.adminToken });
    }, 60_000);

    afterAll(async () => {
      client?.close();
      await controller?.stopControllerOnly();
    });

    it('refuses to add a cloud of VMs on other machines (FAILED_PRECONDITION), and adds one on its own host', async () => {
      const refused = await client.clouds.create('aws-us', 'ec2', { region: 'us-east-1' }).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(FailedPreconditionError);
      expect((refused as FailedPreconditionError).reason).toBe('NO_PUBLIC_ADDRESS');
      expect((refused as Error).message).toMatch(/cloud 'aws-us' \(driver ec2\) makes VMs on other machines/);
      expect((refused as Error).message).toMatch(UNREACHABLE);
      expect((await client.clouds.list()).map((c) => c.name)).not.toContain('aws-us');
      await expect(client.clouds.create('paper', 'fake', {})).resolves.toMatchObject({ name: 'paper', driver: 'fake' });
    });

    it('fails provisioning on one another replica added, the run aborting with the reason', async () => {
      const columns = Object.keys(awsRow);
      await executeSql(first.databaseUrl, `insert into clouds (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`, Object.values(awsRow));
      const runs = new TestRuns(client);
      const launched = await runs.launch('aws/app', { defaultCloud: 'aws', timeoutMinutes: 5 });
      const aborted = await runs.waitForState(launched.id, RunState.RUN_STATE_ABORTED, 60_000);
      expect(aborted.abortMessage).toMatch(/invalid: cloud 'aws' \(driver ec2\) makes VMs on other machines/);
      expect(aborted.abortMessage).toMatch(UNREACHABLE);
      await runs.terminateAll();
    }, 90_000);
  });
});
