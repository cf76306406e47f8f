import { ApiTokenEntity } from './api-token.js';
import { BuiltImageEntity } from './built-image.js';
import { CloudCredentialEntity } from './cloud-credential.js';
import { CloudEntity } from './cloud.js';
import { QuotaEntity } from './quota.js';
import { ControllerReplicaEntity } from './controller-replica.js';
import { ControllerSecretEntity } from './controller-secret.js';
import { ModulePublicationEntity } from './module-publication.js';
import { ModuleVersionEntity } from './module-version.js';
import { ModuleEntity } from './module.js';
import { ModuleTagHistoryEntity } from './module-tag-history.js';
import { ModuleTagEntity } from './module-tag.js';
import { TemplateVersionEntity } from './template-version.js';
import { TemplateEntity } from './template.js';
import { TenantEntity } from './tenant.js';
import { UserEntity } from './user.js';
import { RunInstanceEntity } from './run-instance.js';
import { RunJournalEntity } from './run-journal.js';
import { RunParameterEntity } from './run-parameter.js';
import { RunReportEntity } from './run-report.js';
import { RunRequestEntity } from './run-request.js';
import { RunTagEntity } from './run-tag.js';
import { RunEntity } from './run.js';
import { UsageArchiveEntity } from './usage-archive.js';

export {
  ApiTokenEntity,
  BuiltImageEntity,
  CloudCredentialEntity,
  CloudEntity,
  QuotaEntity,
  ControllerReplicaEntity,
  ControllerSecretEntity,
  ModuleEntity,
  ModulePublicationEntity,
  ModuleTagEntity,
  ModuleTagHistoryEntity,
  ModuleVersionEntity,
  RunEntity,
  RunInstanceEntity,
  RunJournalEntity,
  RunParameterEntity,
  RunReportEntity,
  RunRequestEntity,
  RunTagEntity,
  TemplateEntity,
  TemplateVersionEntity,
  TenantEntity,
  UsageArchiveEntity,
  UserEntity,
};

/** Every entity of the controller's schema. */
export const ALL_ENTITIES = [
  TenantEntity,
  UserEntity,
  ApiTokenEntity,
  ModuleEntity,
  ModuleVersionEntity,
  ModuleTagEntity,
  ModuleTagHistoryEntity,
  RunEntity,
  RunTagEntity,
  RunInstanceEntity,
  RunParameterEntity,
  RunJournalEntity,
  RunReportEntity,
  ControllerSecretEntity,
  ControllerReplicaEntity,
  RunRequestEntity,
  CloudEntity,
  CloudCredentialEntity,
  QuotaEntity,
  UsageArchiveEntity,
  BuiltImageEntity,
  ModulePublicationEntity,
  TemplateEntity,
  TemplateVersionEntity,
];
