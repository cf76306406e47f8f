/** The tenant's users: who has which role, a role changed in place, a user created or deleted (after asking). */
import { useState } from 'preact/hooks';
import type { Role, User } from '../../../proto/gen/es/slipstream/v1/users_pb.js';
import { api } from '../api/clients.js';
import { roleName, useCaller } from '../api/caller.js';
import { problemOf, type ApiProblem } from '../api/errors.js';
import { ConfirmDialog } from '../components/confirm.js';
import { formatTime } from '../components/format.js';
import { ProblemBanner } from '../components/problem.js';
import { RoleOptions, roleOf } from './roles.js';
import { useLoaded } from './use-loaded.js';
import { listAllUsers } from './users-api.js';
import { UserCreateForm } from './user-create-form.js';

export function UsersSection() {
  const caller = useCaller();
  const users = useLoaded(listAllUsers);
  const [problem, setProblem] = useState<ApiProblem | undefined>(undefined);
  const [deleting, setDeleting] = useState<User | undefined>(undefined);
  const [notice, setNotice] = useState('');

  const act = async (what: () => Promise<unknown>, done: string) => {
    try {
      await what();
      setProblem(undefined);
      setNotice(done);
    } catch (err) {
      setProblem(problemOf(err));
      setNotice('');
    } finally {
      users.reload();
    }
  };
  const changeRole = (user: User, role: Role) => act(() => api.users.updateUser({ name: user.name, role }), `${user.name} is now ${roleName(role)}.`);
  const remove = (user: User) => {
    setDeleting(undefined);
    void act(() => api.users.deleteUser({ name: user.name }), `${user.name} was deleted and their tokens revoked.`);
  };

  return (
    <section aria-labelledby="users-title">
      <h2 id="users-title" class="visually-hidden">
        Users
      </h2>
      <ProblemBanner problem={users.problem ?? problem} />
      <p class="notice" role="status">
        {notice}
      </p>
      {users.data && (
        <table class="admin-table" aria-label="Users">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.data.map((user) => (
              <tr key={user.name} data-user={user.name}>
                <td>
                  {user.name}
                  {user.name === caller.user && <span class="muted"> (you)</span>}
                </td>
                <td>
                  <select
                    aria-label={`Role of ${user.name}`}
                    value={String(user.role)}
                    disabled={user.name === caller.user}
                    title={user.name === caller.user ? 'Your own role is changed by another admin: lowering it here would lock you out of these pages.' : undefined}
                    onChange={(e) => void changeRole(user, roleOf(e.currentTarget.value))}
                  >
                    <RoleOptions />
                  </select>
                </td>
                <td>{formatTime(user.createdAt)}</td>
                <td class="actions">
                  <button
                    type="button"
                    class="danger"
                    disabled={user.name === caller.user}
                    title={user.name === caller.user ? 'You cannot delete yourself; another admin can.' : undefined}
                    onClick={() => setDeleting(user)}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <UserCreateForm
        onCreated={(name) => {
          setProblem(undefined);
          setNotice(`${name} was created.`);
          users.reload();
        }}
      />
      {deleting && (
        <ConfirmDialog title={`Delete user ${deleting.name}?`} confirmLabel="Delete user" onConfirm={() => remove(deleting)} onCancel={() => setDeleting(undefined)}>
          <p>Every token of {deleting.name} is revoked with them: scripts and sessions using those tokens stop working.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
