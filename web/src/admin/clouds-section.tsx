/**
 * The clouds runs can use: driver and settings as the controller's admin configured them, whether this tenant has a
 * credential for each; a cloud tested (TestCloud: a cheap read-only call with the tenant's credential), a credential
 * stored or deleted (after asking).
 */
import { useState } from 'preact/hooks';
import type { Cloud } from '../../../proto/gen/es/slipstream/v1/clouds_pb.js';
import { api } from '../api/clients.js';
import { problemOf, type ApiProblem } from '../api/errors.js';
import { ConfirmDialog } from '../components/confirm.js';
import { ProblemBanner } from '../components/problem.js';
import { testCloud, type CloudTestResult } from './cloud-test.js';
import { CredentialForm } from './credential-form.js';
import { useLoaded } from './use-loaded.js';

export function CloudsSection() {
  const clouds = useLoaded(async () => (await api.clouds.listClouds({})).clouds);
  const [tests, setTests] = useState<Record<string, CloudTestResult>>({});
  const [editing, setEditing] = useState<string | undefined>(undefined);
  const [deleting, setDeleting] = useState<string | undefined>(undefined);
  const [problem, setProblem] = useState<ApiProblem | undefined>(undefined);
  const [notice, setNotice] = useState('');

  const runTest = async (name: string) => {
    setTests((all) => ({ ...all, [name]: { state: 'testing' } }));
    const result = await testCloud(name);
    setTests((all) => ({ ...all, [name]: result }));
  };
  const deleteCredential = async (cloud: string) => {
    setDeleting(undefined);
    try {
      await api.clouds.deleteCredential({ cloud });
      setProblem(undefined);
      setNotice(`The credential for ${cloud} was deleted.`);
    } catch (err) {
      setProblem(problemOf(err));
      setNotice('');
    } finally {
      clouds.reload();
    }
  };

  return (
    <section aria-labelledby="clouds-title">
      <h2 id="clouds-title" class="visually-hidden">
        Clouds
      </h2>
      <ProblemBanner problem={clouds.problem ?? problem} />
      <p class="notice" role="status">
        {notice}
      </p>
      {clouds.data && (
        <table class="admin-table" aria-label="Clouds">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Driver</th>
              <th scope="col">Settings</th>
              <th scope="col">Credential</th>
              <th scope="col">Test</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {clouds.data.map((cloud) => (
              <CloudRow
                key={cloud.name}
                cloud={cloud}
                test={tests[cloud.name]}
                onTest={() => void runTest(cloud.name)}
                onEditCredential={() => setEditing(cloud.name)}
                onDeleteCredential={() => setDeleting(cloud.name)}
              />
            ))}
          </tbody>
        </table>
      )}
      {editing && (
        <CredentialForm
          key={editing}
          cloud={editing}
          onCancel={() => setEditing(undefined)}
          onStored={() => {
            setNotice(`The credential for ${editing} was stored.`);
            setEditing(undefined);
            clouds.reload();
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog title={`Delete the credential for ${deleting}?`} confirmLabel="Delete credential" onConfirm={() => void deleteCredential(deleting)} onCancel={() => setDeleting(undefined)}>
          <p>This tenant's runs cannot start VMs on {deleting} any more until a credential is stored again (unless the cloud needs none).</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function CloudRow(props: { cloud: Cloud; test: CloudTestResult | undefined; onTest: () => void; onEditCredential: () => void; onDeleteCredential: () => void }) {
  const { cloud, test } = props;
  const settings = Object.entries(cloud.settings).sort(([a], [b]) => a.localeCompare(b));
  return (
    <tr data-cloud={cloud.name}>
      <td>{cloud.name}</td>
      <td class="mono">{cloud.driver}</td>
      <td>
        {settings.length === 0 ? (
          <span class="muted">none</span>
        ) : (
          <dl class="settings">
            {settings.map(([key, value]) => (
              <div key={key}>
                <dt class="mono">{key}</dt>
                <dd class="mono">{value}</dd>
              </div>
            ))}
          </dl>
        )}
      </td>
      <td>{cloud.hasCredential ? 'stored' : <span class="muted">none</span>}</td>
      <td class="cloud-test" aria-live="polite">
        {test?.state === 'testing' && <span class="muted">Testing…</span>}
        {test?.state === 'ok' && <span class="test-ok">✓ {test.message}</span>}
        {test?.state === 'failed' && <span class="test-failed">✗ {test.message}</span>}
      </td>
      <td class="actions">
        <button type="button" disabled={test?.state === 'testing'} aria-label={`Test ${cloud.name}`} onClick={props.onTest}>
          Test
        </button>
        <button type="button" aria-label={`Set the credential for ${cloud.name}`} onClick={props.onEditCredential}>
          Set credential
        </button>
        {cloud.hasCredential && (
          <button type="button" class="danger" aria-label={`Delete the credential for ${cloud.name}`} onClick={props.onDeleteCredential}>
            Delete credential
          </button>
        )}
      </td>
    </tr>
  );
}
