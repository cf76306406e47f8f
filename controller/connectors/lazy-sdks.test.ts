import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Package specifiers of the cloud SDKs and what only they pull in. */
const SDK = /^(@aws-sdk\/|@smithy\/|@azure\/|@azure-rest\/|google-auth-library|@google-cloud\/|gaxios)/;

/**
 * Records every specifier the child resolves, synchronously (a file, not a port) so that the list is complete when
 * the import that caused it returns.
 */
const RESOLVE_HOOK = `
import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function resolve(specifier, context, next) {
  appendFileSync(file, specifier + '\\n');
  return next(specifier, context);
}`;

/**
 * A fresh process (its module cache empty) that loads what a controller loads at start, makes each cloud driver and
 * validates settings, creates a connector of each without calling a cloud, then makes one ec2 call (to a closed
 * port): it prints the SDK specifiers resolved at each of these points.
 */
const CHILD = (resolvedFile: string) => `
import { register } from 'node:module';
import { readFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import pino from 'pino';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(RESOLVE_HOOK)}), { data: { file: ${JSON.stringify(resolvedFile)} } });
const sdk = () => [...new Set(readFileSync(${JSON.stringify(resolvedFile)}, 'utf8').split('\\n'))].filter((s) => ${SDK}.test(s));

await import('./controller/controller.ts');
const { createEc2Driver } = await import('./controller/connectors/ec2/ec2-driver.ts');
const { createAzureDriver } = await import('./controller/connectors/azure/azure-driver.ts');
const { createGcpDriver } = await import('./controller/connectors/gcp/gcp-driver.ts');
const context = (credentials) => ({ dataDir: ${JSON.stringify(tmpdir())}, log: pino({ level: 'silent' }), credentials });
const closed = 'http://127.0.0.1:1';

const ec2Driver = createEc2Driver({ connectTimeoutMs: 5000 });
const azureDriver = createAzureDriver({ maxRetries: 0 });
const gcpDriver = createGcpDriver();
ec2Driver.validateSettings({ region: 'eu-west-1' });
const atStart = sdk();
const ec2 = ec2Driver.create({ region: 'eu-west-1', endpoint: closed }, context({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }));

const subscription = '00000000-0000-0000-0000-000000000001';
const azureSettings = {
  subscriptionId: subscription, resourceGroup: 'rg', location: 'westeurope', endpoint: 'https://127.0.0.1:1',
  subnetId: '/subscriptions/' + subscription + '/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s',
};
azureDriver.validateSettings(azureSettings);
const azure = azureDriver.create(azureSettings, context({ tenantId: subscription, clientId: subscription, clientSecret: 'secret' }));

const gcpSettings = { project: 'p-1234', zone: 'europe-west1-b', endpoint: closed };
gcpDriver.validateSettings(gcpSettings);
const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const key = { type: 'service_account', private_key: pem, client_email: 'd@p-1234.iam.gserviceaccount.com' };
const gcp = gcpDriver.create(gcpSettings, context({ serviceAccountJson: JSON.stringify(key) }));

const created = sdk();
const failure = await ec2.describe('i-0123456789abcdef0').then(() => undefined, (err) => err.name + ' ' + err.kind);
const after = sdk();
await Promise.all([ec2.close(), azure.close(), gcp.close()]);
process.stdout.write(JSON.stringify({ atStart, created, after, failure }));
`;

describe('cloud SDKs load lazily (issue 20: idle controller memory)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lazy-sdks-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('imports no cloud SDK at start or for settings, and none but the gcp auth library for connectors; the first call imports its own', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD(join(dir, 'resolved'))], {
      cwd: REPO,
      timeout: 120_000,
    });
    const result = JSON.parse(stdout) as { atStart: string[]; created: string[]; after: string[]; failure: string | undefined };
    expect(result.atStart).toEqual([]);
    // A gcp connector starts importing its JWT client at once (a small library; the Compute client waits for the
    // first call): whether that import has resolved yet when the list is read is a race, so it may or may not be there.
    expect(result.created.filter((s) => s !== 'google-auth-library')).toEqual([]);
    expect(result.failure).toBe('ConnectorError transient');
    expect(result.after).toContain('@aws-sdk/client-ec2');
    expect(result.after.filter((s) => !/^(@aws-sdk|@smithy)\//.test(s))).toEqual(['google-auth-library']);
  }, 150_000);
});
