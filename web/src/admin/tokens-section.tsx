/**
 * The tenant's API tokens: whose, when made, used and expiring; one created (its secret shown once) or revoked
 * (after asking). Lists every user's tokens, or one user's.
 */
import { useState } from 'preact/hooks';
import type { Token } from '../../../proto/gen/es/slipstream/v1/tokens_pb.js';
import { api } from '../api/clients.js';
import { useCaller } from '../api/caller.js';
import { problemOf, type ApiProblem } from '../api/errors.js';
import { ConfirmDialog } from '../components/confirm.js';
import { dateOf, formatTime } from '../components/format.js';
import { ProblemBanner } from '../components/problem.js';
import { SecretDialog } from './secret-dialog.js';
import { TokenCreateForm } from './token-create-form.js';
import { useLoaded } from './use-loaded.js';
import { listAllUsers } from './users-api.js';

/** ListTokens' name for every user's tokens. */
const EVERY_USER = '*';

export function TokensSection() {
  const caller = useCaller();
  const [owner, setOwner] = useState(EVERY_USER);
  const [includeRevoked, setIncludeRevoked] = useState(false);
  const users = useLoaded(listAllUsers);
  const tokens = useLoaded(async () => (await api.tokens.listTokens({ user: owner, includeRevoked })).tokens, `${owner}/${includeRevoked}`);
  const [created, setCreated] = useState<{ name: string; user: string; secret: string } | undefined>(undefined);
  const [revoking, setRevoking] = useState<Token | undefined>(undefined);
  const [problem, setProblem] = useState<ApiProblem | undefined>(undefined);
  const [notice, setNotice] = useState('');
  const userNames = users.data?.map((u) => u.name) ?? [caller.user];

  const revoke = async (token: Token) => {
    setRevoking(undefined);
    try {
      await api.tokens.revokeToken({ id: token.id });
      setProblem(undefined);
      setNotice(`Token ${token.name} of ${token.user} was revoked.`);
    } catch (err) {
      setProblem(problemOf(err));
      setNotice('');
    } finally {
      tokens.reload();
    }
  };

  return (
    <section aria-labelledby="tokens-title">
      <h2 id="tokens-title" class="visually-hidden">
        Tokens
      </h2>
      <div class="toolbar">
        <label>
          Tokens of{' '}
          <select value={owner} onChange={(e) => setOwner(e.currentTarget.value)}>
            <option value={EVERY_USER}>every user</option>
            {userNames.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" checked={includeRevoked} onChange={(e) => setIncludeRevoked(e.currentTarget.checked)} /> Show revoked
        </label>
      </div>
      <ProblemBanner problem={tokens.problem ?? users.problem ?? problem} />
      <p class="notice" role="status">
        {notice}
      </p>
      {tokens.data && (
        <table class="admin-table" aria-label="Tokens">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">User</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.data.map((token) => {
              const status = statusOf(token);
              return (
                <tr key={token.id} data-token-id={token.id}>
                  <td>{token.name}</td>
                  <td>{token.user}</td>
                  <td>
                    <span class="token-status" data-status={status}>
                      {status}
                    </span>
                  </td>
                  <td>{formatTime(token.createdAt)}</td>
                  <td>{token.expiresAt ? formatTime(token.expiresAt) : 'never'}</td>
                  <td>{token.lastUsedAt ? formatTime(token.lastUsedAt) : 'never'}</td>
                  <td class="actions">
                    {status !== 'revoked' && (
                      <button type="button" class="danger" aria-label={`Revoke token ${token.name} of ${token.user}`} onClick={() => setRevoking(token)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {tokens.data?.length === 0 && <p class="muted">No tokens here.</p>}
      <TokenCreateForm
        users={userNames}
        me={caller.user}
        onCreated={(response) => {
          setNotice('');
          setCreated({ name: response.token?.name ?? '', user: response.token?.user ?? '', secret: response.secret });
          tokens.reload();
        }}
      />
      {created && <SecretDialog title={`Token ${created.name} of ${created.user}`} secret={created.secret} onClose={() => setCreated(undefined)} />}
      {revoking && (
        <ConfirmDialog title={`Revoke token ${revoking.name}?`} confirmLabel="Revoke token" onConfirm={() => void revoke(revoking)} onCancel={() => setRevoking(undefined)}>
          <p>
            Whoever uses this token of {revoking.user} is refused from now on: scripts, CI jobs and dashboard sessions signed in with it. This cannot be
            undone.
          </p>
          {revoking.user === caller.user && revoking.name === caller.tokenName && (
            <p class="warning">This looks like the token you are signed in with: revoking it signs you out.</p>
          )}
        </ConfirmDialog>
      )}
    </section>
  );
}

function statusOf(token: Token): 'revoked' | 'expired' | 'active' {
  if (token.revokedAt) return 'revoked';
  const expires = dateOf(token.expiresAt);
  return expires && expires.getTime() <= Date.now() ? 'expired' : 'active';
}
