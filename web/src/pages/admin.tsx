/**
 * The admin pages (`#/admin/<section>`; app.tsx shows them to admins only): the tenant's users, tokens, clouds and
 * quotas, and the tenants for the operator tenant's admins. Every change goes through the public API, which
 * checks the role again.
 */
import { useCaller } from '../api/caller.js';
import { href } from '../router.js';
import { CloudsSection } from '../admin/clouds-section.js';
import { QuotasSection } from '../admin/quotas-section.js';
import { sectionsFor } from '../admin/sections.js';
import { TenantsSection } from '../admin/tenants-section.js';
import { TokensSection } from '../admin/tokens-section.js';
import { UsersSection } from '../admin/users-section.js';
import '../admin/admin.css';

export function Admin({ section }: { section: string }) {
  const caller = useCaller();
  const sections = sectionsFor(caller);
  const current = sections.find((s) => s.id === section);
  return (
    <div class="admin">
      <h1>Admin</h1>
      <nav class="admin-tabs" aria-label="Admin sections">
        {sections.map((s) => (
          <a key={s.id} href={href({ page: 'admin', section: s.id })} aria-current={s.id === section ? 'page' : undefined}>
            {s.label}
          </a>
        ))}
      </nav>
      {current ? (
        <SectionBody id={current.id} />
      ) : (
        <p class="problem" role="alert">
          No admin section “{section}” for you: choose one of {sections.map((s) => s.label.toLowerCase()).join(', ')}.
        </p>
      )}
    </div>
  );
}

function SectionBody({ id }: { id: string }) {
  switch (id) {
    case 'users':
      return <UsersSection />;
    case 'tokens':
      return <TokensSection />;
    case 'clouds':
      return <CloudsSection />;
    case 'quotas':
      return <QuotasSection />;
    case 'tenants':
      return <TenantsSection />;
    default:
      return null;
  }
}
