/**
 * A launch from a deployment template (LaunchRunRequest.template): the
 * template's fields with the request's on top, and, for every violation the
 * launch then finds, whether the value came from the template, so that the
 * error names the template's field (`template.parameters.web:port`) rather
 * than one the caller never sent.
 */
import type { FieldViolation } from '../../../common/errors.js';
import type { KeepRunning } from '../../../common/runs/states.js';
import type { TemplateSpec } from '../../../common/templates/types.js';

/** The launch fields as requested; '' / 0 / false / undefined / empty mean "not given". */
export interface RequestedLaunch {
  module: string;
  defaultCloud: string;
  nodeClouds: Record<string, string>;
  parameters: Record<string, string>;
  multiplicities: Record<string, number>;
  tags: string[];
  keepRunning: KeepRunning | undefined;
  scalable: boolean;
  timeoutMinutes: number;
  sshPublicKeys: string[];
}

/** Where a launch's values came from when it used a template. */
export interface TemplateOrigin {
  /** `name@N`, pinned to the version used. */
  ref: string;
  /** True when the value of this violation's field (LaunchRunRequest's name) is the template's. */
  gave(field: string): boolean;
}

/** The template's values under the request's: scalars when given, maps key by key, tags and keys added (without repeats). */
export function mergeTemplateLaunch(template: TemplateSpec, ref: string, requested: RequestedLaunch): { launch: RequestedLaunch; origin: TemplateOrigin } {
  const templateTags = [...new Set(template.tags)];
  const templateKeys = [...new Set(template.sshPublicKeys)];
  const launch: RequestedLaunch = {
    module: requested.module || template.module,
    defaultCloud: requested.defaultCloud || template.defaultCloud || '',
    nodeClouds: { ...template.nodeClouds, ...requested.nodeClouds },
    parameters: { ...template.parameters, ...requested.parameters },
    multiplicities: { ...template.multiplicities, ...requested.multiplicities },
    tags: [...new Set([...templateTags, ...requested.tags])],
    keepRunning: requested.keepRunning ?? template.keepRunning,
    scalable: requested.scalable || template.scalable,
    timeoutMinutes: requested.timeoutMinutes || template.timeoutMinutes || 0,
    sshPublicKeys: [...new Set([...templateKeys, ...requested.sshPublicKeys])],
  };
  const fromMap = (map: Record<string, unknown>, given: Record<string, unknown>, key: string) => Object.hasOwn(map, key) && !Object.hasOwn(given, key);
  const gave = (field: string): boolean => {
    if (field === 'module' || field === 'ref') return requested.module === '';
    if (field === 'default_cloud') return requested.defaultCloud === '' && Boolean(template.defaultCloud);
    if (field === 'keep_running') return requested.keepRunning === undefined && template.keepRunning !== undefined;
    if (field === 'timeout_minutes') return requested.timeoutMinutes === 0 && Boolean(template.timeoutMinutes);
    const keyed = /^(node_clouds|parameters|multiplicities)\.(.+)$/.exec(field);
    if (keyed) {
      const [, map, key] = keyed as unknown as [string, 'node_clouds' | 'parameters' | 'multiplicities', string];
      if (map === 'node_clouds') return fromMap(template.nodeClouds, requested.nodeClouds, key);
      if (map === 'parameters') return fromMap(template.parameters, requested.parameters, key);
      return fromMap(template.multiplicities, requested.multiplicities, key);
    }
    // The template's tags and keys come first in the merged lists.
    const listed = /^(tags|ssh_public_keys)\[(\d+)\]$/.exec(field);
    if (listed) return Number(listed[2]) < (listed[1] === 'tags' ? templateTags : templateKeys).length;
    return false;
  };
  return { launch, origin: { ref, gave } };
}

/** The violations with each one about a template's value renamed `template.FIELD` and the template named in its description. */
export function templateViolations(violations: readonly FieldViolation[], origin: TemplateOrigin): FieldViolation[] {
  return violations.map((v) =>
    origin.gave(v.field) ? { field: `template.${v.field === 'ref' ? 'module' : v.field}`, description: `${v.description} (template ${origin.ref})` } : v,
  );
}
