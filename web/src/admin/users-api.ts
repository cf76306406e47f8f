/** Every user of the tenant, through all pages of ListUsers. */
import type { User } from '../../../proto/gen/es/slipstream/v1/users_pb.js';
import { api } from '../api/clients.js';

export async function listAllUsers(): Promise<User[]> {
  const users: User[] = [];
  let pageToken = '';
  do {
    const page = await api.users.listUsers({ pageToken });
    users.push(...page.users);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return users;
}
