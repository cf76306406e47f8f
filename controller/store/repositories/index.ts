import type { EntityManager } from '@mikro-orm/core';
import type { CredentialCipher } from '../../auth/credential-cipher.js';
import type { PreparedStatements } from '../prepared-statements.js';
import { AgentLoginRepository } from './agent-logins.js';
import { BuiltImageRepository } from './built-images.js';
import { CloudRepository } from './clouds.js';
import { ModuleRepository } from './modules.js';
import { ModuleTagRepository } from './module-tags.js';
import { ParameterSealing } from './parameter-sealing.js';
import { PublicationRepository } from './publications.js';
import { ReplicaRepository } from './replicas.js';
import { RunDeletionRepository } from './run-deletions.js';
import { RunInstanceRepository } from './run-instances.js';
import { RunJournalRepository } from './run-journal.js';
import { RunParameterRepository } from './run-parameters.js';
import { RunReportRepository } from './run-reports.js';
import { RunTransitionRepository } from './run-transitions.js';
import { RunRepository } from './runs.js';
import { TemplateRepository } from './templates.js';
import { TenantRepository } from './tenants.js';
import { TokenRepository } from './tokens.js';
import { UsageRepository } from './usage.js';
import { UserRepository } from './users.js';

/** The repositories of one unit of work, all on the same EntityManager fork. */
export class Repositories {
  readonly tenants: TenantRepository;
  readonly users: UserRepository;
  readonly tokens: TokenRepository;
  readonly modules: ModuleRepository;
  /** Deployment templates (saved launches) and their versions. */
  readonly templates: TemplateRepository;
  /** The modules' promotion tags and their history. */
  readonly moduleTags: ModuleTagRepository;
  /** Modules published to other tenants (sharing). */
  readonly publications: PublicationRepository;
  readonly runs: RunRepository;
  /** The runs' instances, parameters, journal and reports, and their agents' logins. */
  readonly instances: RunInstanceRepository;
  readonly parameters: RunParameterRepository;
  readonly journal: RunJournalRepository;
  readonly reports: RunReportRepository;
  readonly agentLogins: AgentLoginRepository;
  /** Commits of state machine decisions that write no more than instances' progress, the run row, values and journal. */
  readonly transitions: RunTransitionRepository;
  /** Deleting final runs for good (retention, DeleteRun). */
  readonly deletions: RunDeletionRepository;
  readonly clouds: CloudRepository;
  /** Images built from components (ImageService). */
  readonly builtImages: BuiltImageRepository;
  /** The controller replicas sharing the database (read side). */
  readonly replicas: ReplicaRepository;
  /** Instance-hours and launched runs over a period (usage metering). */
  readonly usage: UsageRepository;

  /**
   * `cipher`: seals the password values the runs and modules store.
   * `prepared`: statements that run outside any transaction (Store.writeStatement).
   */
  constructor(em: EntityManager, cipher: CredentialCipher, prepared?: PreparedStatements) {
    const sealing = new ParameterSealing(cipher);
    this.tenants = new TenantRepository(em);
    this.users = new UserRepository(em);
    this.tokens = new TokenRepository(em);
    this.modules = new ModuleRepository(em, cipher);
    this.templates = new TemplateRepository(em, cipher);
    this.moduleTags = new ModuleTagRepository(em);
    this.publications = new PublicationRepository(em);
    this.instances = new RunInstanceRepository(em);
    this.runs = new RunRepository(em, cipher, sealing, this.instances);
    this.journal = new RunJournalRepository(em);
    this.parameters = new RunParameterRepository(em, sealing, this.journal, prepared);
    this.reports = new RunReportRepository(em);
    this.agentLogins = new AgentLoginRepository(em, this.instances, prepared);
    this.transitions = new RunTransitionRepository(em, sealing, this, prepared);
    this.deletions = new RunDeletionRepository(em);
    this.clouds = new CloudRepository(em);
    this.builtImages = new BuiltImageRepository(em);
    this.replicas = new ReplicaRepository(em);
    this.usage = new UsageRepository(em);
  }

  /** Writes the unit of work's changes: the staged journal entries in bulk, then the managed entities. */
  flush(): Promise<void> {
    return this.journal.flush();
  }
}
