/**
 * TemplateService in domain terms: TemplateSpec in, StoredTemplate out, each
 * result keeping the wire message as `raw`.
 */
import * as pb from '../../proto/gen/slipstream/v1/templates.js';
import { templateFromProto, templateSpecToProto, templateSummaryFromProto, templateVersionFromProto } from '../../common/convert/templates.js';
import type { StoredTemplate, TemplateListing, TemplateSpec, TemplateVersionInfo } from '../../common/templates/types.js';
import type { CallOptions } from '../options.js';
import { collectPages } from '../pagination.js';
import { bound, type Rpc } from '../rpc.js';

/** A template version as read, with its wire form. */
export interface FetchedTemplate extends StoredTemplate {
  raw: pb.Template;
}

/** Options of `save`. */
export interface SaveTemplateOptions extends CallOptions {
  /** Commit message of the new version. */
  message?: string;
  /** Fail with ConflictError unless the latest version is this one (0 = must not exist). */
  expectedLatestVersion?: number;
}

/** Outcome of `save`: `created` is false when the content equals the latest version. */
export interface SaveTemplateResult {
  template: FetchedTemplate;
  created: boolean;
  raw: pb.SaveTemplateResponse;
}

function fetched(raw: pb.Template | undefined): FetchedTemplate {
  const template = raw ?? pb.Template.create();
  return { ...templateFromProto(template), raw: template };
}

/** The deployment templates of the caller's tenant (launch one with `runs.launch({ template })`). */
export class TemplatesClient {
  constructor(
    private readonly rpc: Rpc,
    /** The generated client, for calls this wrapper does not cover. */
    readonly raw: pb.TemplateServiceClient,
  ) {}

  /** Saves a new version (or nothing, if the content is unchanged); the controller checks it as a launch. */
  async save(spec: TemplateSpec, options: SaveTemplateOptions = {}): Promise<SaveTemplateResult> {
    const request: pb.SaveTemplateRequest = { spec: templateSpecToProto(spec), message: options.message ?? '', expectedLatestVersion: options.expectedLatestVersion };
    const raw = await this.rpc.unary(bound(this.raw, 'saveTemplate'), request, options);
    return { template: fetched(raw.template), created: raw.created, raw };
  }

  /** Reads `name` (latest) or `name@N` (pinned; still readable after delete). */
  async get(ref: string, call?: CallOptions): Promise<FetchedTemplate> {
    const raw = await this.rpc.unary(bound(this.raw, 'getTemplate'), { ref }, call);
    return fetched(raw.template);
  }

  /** Every live template (all pages), by name. */
  list(call?: CallOptions): Promise<(TemplateListing & { raw: pb.TemplateSummary })[]> {
    return collectPages(async (pageToken) => {
      const page = await this.rpc.unary(bound(this.raw, 'listTemplates'), { pageSize: 0, pageToken }, call);
      return { items: page.templates.map((t) => ({ ...templateSummaryFromProto(t), raw: t })), nextPageToken: page.nextPageToken };
    });
  }

  /** Every version of one template, newest first. */
  history(name: string, call?: CallOptions): Promise<TemplateVersionInfo[]> {
    return collectPages(async (pageToken) => {
      const page = await this.rpc.unary(bound(this.raw, 'listTemplateVersions'), { name, pageSize: 0, pageToken }, call);
      return { items: page.versions.map(templateVersionFromProto), nextPageToken: page.nextPageToken };
    });
  }

  /** Hides a template from listings and launches; its versions stay readable. */
  async delete(name: string, call?: CallOptions): Promise<void> {
    await this.rpc.unary(bound(this.raw, 'deleteTemplate'), { name }, call);
  }
}
