import { useEffect, useState } from 'preact/hooks';
import { Code, ConnectError } from '@connectrpc/connect';
import { api } from './api/clients.js';
import { CallerContext, callerOf, isAdmin, roleName, type Caller } from './api/caller.js';
import { forgetToken, storedToken } from './api/session.js';
import { href, useRoute, type Route } from './router.js';
import { SignIn } from './pages/sign-in.js';
import { RunsList } from './pages/runs-list.js';
import { RunView } from './pages/run-view.js';
import { Catalog } from './pages/catalog.js';
import { ModulePage } from './pages/module-page.js';
import { LaunchForm } from './pages/launch-form.js';
import { Admin } from './pages/admin.js';

type Session = { state: 'checking' } | { state: 'signed-out'; notice?: string } | { state: 'signed-in'; caller: Caller };

export function App() {
  const [session, setSession] = useState<Session>(() => (storedToken() ? { state: 'checking' } : { state: 'signed-out' }));
  useEffect(() => {
    if (session.state !== 'checking') return;
    api.users.whoAmI({}).then(
      (res) => setSession({ state: 'signed-in', caller: callerOf(res) }),
      (err: unknown) => {
        const code = ConnectError.from(err).code;
        if (code === Code.Unauthenticated) forgetToken();
        setSession({ state: 'signed-out', notice: code === Code.Unauthenticated ? 'Your token is no longer accepted: sign in again.' : ConnectError.from(err).rawMessage });
      },
    );
  }, [session.state]);
  const signOut = () => {
    forgetToken();
    setSession({ state: 'signed-out' });
  };
  if (session.state === 'checking') return <p class="loading">Checking your token…</p>;
  if (session.state === 'signed-out') return <SignIn notice={session.notice} onSignedIn={(caller) => setSession({ state: 'signed-in', caller })} />;
  return (
    <CallerContext.Provider value={session.caller}>
      <Shell caller={session.caller} onSignOut={signOut} />
    </CallerContext.Provider>
  );
}

function Shell({ caller, onSignOut }: { caller: Caller; onSignOut: () => void }) {
  const route = useRoute();
  const section = route.page === 'run' ? 'runs' : route.page === 'module' || route.page === 'launch' ? 'catalog' : route.page;
  return (
    <>
      <header class="top">
        <a class="brand" href={href({ page: 'runs' })}>
          Slipstream
        </a>
        <nav aria-label="Sections">
          <a href={href({ page: 'runs' })} aria-current={section === 'runs' ? 'page' : undefined}>
            Runs
          </a>
          <a href={href({ page: 'catalog', folder: '' })} aria-current={section === 'catalog' ? 'page' : undefined}>
            Catalog
          </a>
          {isAdmin(caller) && (
            <a href={href({ page: 'admin', section: 'users' })} aria-current={section === 'admin' ? 'page' : undefined}>
              Admin
            </a>
          )}
        </nav>
        <div class="who" data-testid="who">
          <span class="user">{caller.user}</span>
          <span class="role" data-role={roleName(caller.role)}>
            {roleName(caller.role)}
          </span>
          <span class="tenant">tenant {caller.tenant}</span>
          <button type="button" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main class="page">
        <Page route={route} caller={caller} />
      </main>
    </>
  );
}

function Page({ route, caller }: { route: Route; caller: Caller }) {
  switch (route.page) {
    case 'runs':
      return <RunsList />;
    case 'run':
      return <RunView id={route.id} />;
    case 'catalog':
      return <Catalog folder={route.folder} />;
    case 'module':
      return <ModulePage path={route.path} />;
    case 'launch':
      return <LaunchForm moduleRef={route.ref} />;
    case 'admin':
      return isAdmin(caller) ? <Admin section={route.section} /> : <p class="problem">The admin pages are for admins; your role is {roleName(caller.role)}.</p>;
    case 'not-found':
      return <p class="problem">No page at {route.hash}.</p>;
  }
}
