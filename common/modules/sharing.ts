/**
 * Sharing across tenants (issue 22): a tenant publishes a module, read-only,
 * at one version or all, to every tenant or to named tenants. Pure data;
 * the wire and storage forms convert at their edges.
 */
import type { ModuleKind } from './types.js';

/** One publication of a module of the caller's tenant. */
export interface ModulePublication {
  path: string;
  /** Undefined: every version, present and future. */
  version?: number;
  /** The tenant it is published to; undefined: every tenant. */
  tenant?: string;
  publishedBy: string;
  publishedAt: Date;
}

/** A module another tenant shares with the caller's tenant, read as `@tenant/path`. */
export interface SharedModule {
  /** The owner tenant. */
  tenant: string;
  path: string;
  /** Undefined only if the server sent a kind this client does not know. */
  kind: ModuleKind | undefined;
  /** The description of the newest version the caller can read. */
  description: string;
  /** True when every version is readable, future ones included. */
  allVersions: boolean;
  /** The readable versions, newest first. */
  versions: number[];
}

/** At most this many tenants are named in one PublishModule or UnpublishModule. */
export const MAX_PUBLICATION_TENANTS = 100;
