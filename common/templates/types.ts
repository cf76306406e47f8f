/**
 * Deployment templates: a saved launch with a name, versioned like modules
 * (immutable versions 1, 2, 3 with author, time and message). The fields and
 * their meanings are LaunchRunRequest's; an absent field leaves the choice to
 * the launch. Pure data; the wire and storage forms convert at their edges.
 */
import type { KeepRunning } from '../runs/states.js';

/** What a template holds (TemplateSpec on the wire). */
export interface TemplateSpec {
  name: string;
  /** A module reference as a launch takes it; empty when every launch names its own. */
  module: string;
  description?: string;
  defaultCloud?: string;
  /** Node name -> cloud. */
  nodeClouds: Record<string, string>;
  /** `node:param` -> value. */
  parameters: Record<string, string>;
  /** Node name -> multiplicity. */
  multiplicities: Record<string, number>;
  tags: string[];
  keepRunning?: KeepRunning;
  scalable: boolean;
  /** Minutes; absent = the launch's default. */
  timeoutMinutes?: number;
  sshPublicKeys: string[];
}

/** Metadata of one immutable template version. */
export interface TemplateVersionInfo {
  version: number;
  author: string;
  createdAt: Date;
  message: string;
  /** sha256 of the canonical content (templateContentHash). */
  contentHash: string;
}

/** One stored version with where its template stands. */
export interface StoredTemplate {
  spec: TemplateSpec;
  info: TemplateVersionInfo;
  latestVersion: number;
  deleted: boolean;
}

/** A listing row: a live template's latest version, without its content but its module. */
export interface TemplateListing {
  name: string;
  module: string;
  description: string;
  latest: TemplateVersionInfo;
}

/** `name` (latest) or `name@N` (pinned). */
export interface TemplateReference {
  name: string;
  version?: number;
}

/** Most characters of a template's description. */
export const MAX_TEMPLATE_DESCRIPTION_LENGTH = 1024;
