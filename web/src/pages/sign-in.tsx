import { useState } from 'preact/hooks';
import { Code } from '@connectrpc/connect';
import { api } from '../api/clients.js';
import { callerOf, type Caller } from '../api/caller.js';
import { problemOf } from '../api/errors.js';
import { forgetToken, storeToken } from '../api/session.js';

/** Sign-in with an API token (`slipstream token create`, or the bootstrap token the controller printed at its first start). */
export function SignIn({ onSignedIn, notice }: { onSignedIn: (caller: Caller) => void; notice?: string | undefined }) {
  const [token, setToken] = useState('');
  const [problem, setProblem] = useState<string | undefined>(notice);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const given = token.trim();
    if (!given) {
      setProblem('Paste an API token to sign in.');
      return;
    }
    setBusy(true);
    storeToken(given);
    try {
      const caller = callerOf(await api.users.whoAmI({}));
      setToken('');
      onSignedIn(caller);
    } catch (err) {
      forgetToken();
      const refused = problemOf(err);
      setProblem(
        refused.code === Code.Unauthenticated
          ? 'This token was not accepted: it is unknown, revoked or expired. Check it, or ask an admin for a new one.'
          : refused.message,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <h1>Slipstream</h1>
      <form onSubmit={submit} aria-label="Sign in">
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? 'sign-in-problem' : undefined}
        />
        {problem && (
          <p id="sign-in-problem" class="problem" role="alert">
            {problem}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p class="hint">
          The token stays in this tab only (session storage) and is sent to this controller alone. Create one with{' '}
          <code>slipstream token create NAME</code>.
        </p>
      </form>
    </main>
  );
}
