import { ApiTokenEntity } from './api-token.js';
import { ModuleVersionEntity } from './module-version.js';
import { ModuleEntity } from './module.js';
import { TenantEntity } from './tenant.js';
import { UserEntity } from './user.js';

export { ApiTokenEntity, ModuleEntity, ModuleVersionEntity, TenantEntity, UserEntity };

/** Every entity of the controller's schema. */
export const ALL_ENTITIES = [TenantEntity, UserEntity, ApiTokenEntity, ModuleEntity, ModuleVersionEntity];
