import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { TenantEntity } from './tenant.js';

/** A tenant's credentials for one cloud, encrypted (AES-256-GCM); never returned by any call. */
export const CloudCredentialEntity = defineEntity({
  name: 'CloudCredential',
  tableName: 'cloud_credentials',
  uniques: [{ properties: ['tenant', 'cloud'] }],
  properties: (p) => ({
    id: p.uuid().primary(),
    tenant: p.manyToOne(TenantEntity).mapToPk().deleteRule('cascade'),
    cloud: p.string().length(63),
    /** base64 of nonce | tag | ciphertext. */
    ciphertext: p.text(),
    /** Which key encrypted it (sha256 prefix of the key), for rotation. */
    keyId: p.string().length(16),
    updatedAt: p.datetime(),
  }),
});

export type CloudCredentialRow = InferEntity<typeof CloudCredentialEntity>;
