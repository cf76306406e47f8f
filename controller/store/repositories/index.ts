import type { EntityManager } from '@mikro-orm/core';
import type { CredentialCipher } from '../../auth/credential-cipher.js';
import type { PreparedStatements } from '../prepared-statements.js';
import { CloudRepository } from './clouds.js';
import { ModuleRepository } from './modules.js';
import { RunRepository } from './runs.js';
import { TenantRepository } from './tenants.js';
import { TokenRepository } from './tokens.js';
import { UserRepository } from './users.js';

/** The repositories of one unit of work, all on the same EntityManager fork. */
export class Repositories {
  readonly tenants: TenantRepository;
  readonly users: UserRepository;
  readonly tokens: TokenRepository;
  readonly modules: ModuleRepository;
  readonly runs: RunRepository;
  readonly clouds: CloudRepository;

  /**
   * `cipher`: seals the password values the runs and modules store.
   * `prepared`: statements that run outside any transaction (Store.writeStatement).
   */
  constructor(em: EntityManager, cipher: CredentialCipher, prepared?: PreparedStatements) {
    this.tenants = new TenantRepository(em);
    this.users = new UserRepository(em);
    this.tokens = new TokenRepository(em);
    this.modules = new ModuleRepository(em, cipher);
    this.runs = new RunRepository(em, cipher, prepared);
    this.clouds = new CloudRepository(em);
  }
}
