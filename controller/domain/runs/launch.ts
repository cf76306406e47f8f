/**
 * Launch-time rules (domain.md "Runs"): a resolved plan plus the operator's
 * choices (clouds, parameter overrides, multiplicities, tags, keepRunning,
 * timeout) become the run to create, or every violation at once.
 */
import type { FieldViolation } from '../../../common/errors.js';
import { parameterValueProblem } from '../../../common/modules/parse.js';
import { unsatisfiedRequiredInputs } from '../../../common/modules/references.js';
import type { ResolvedPlan } from '../../../common/modules/types.js';
import { instanceParameterSeeds, nodeParameterSeeds, runParameterSeeds, type ParameterSeed } from './parameter-plan.js';
import { type RunNodeInfo } from './types.js';
import { KEEP_RUNNING, type KeepRunning } from '../../../common/runs/states.js';
import { DEFAULT_TIMEOUT_MINUTES, timeoutMinutesProblem } from '../../../common/runs/run-timeout.js';

export const MAX_INSTANCES_PER_RUN = 10_000;
export const MAX_TAGS = 20;
const TAG = /^[A-Za-z0-9][A-Za-z0-9_.:=-]{0,63}$/;

export interface LaunchRequest {
  defaultCloud: string;
  nodeClouds: Record<string, string>;
  /** `node:param` -> value */
  parameters: Record<string, string>;
  tags: string[];
  keepRunning: KeepRunning | undefined;
  scalable: boolean;
  timeoutMinutes: number;
  sshPublicKeys: string[];
}

/** What launch needs to know about the configured clouds. */
export interface CloudCatalog {
  has(cloud: string): boolean;
  /** Violations of a component's options for this cloud's driver (fields relative to the options). */
  validateOptions(cloud: string, options: Record<string, string>): FieldViolation[];
  /** Why an image id cannot be an image of this cloud (when its driver can tell), else undefined. */
  imageProblem(cloud: string, image: string): string | undefined;
}

export interface LaunchPlan {
  /** The plan with launch overrides applied as the parameters' defaults (instances added later get them too). */
  plan: ResolvedPlan;
  keepRunning: KeepRunning;
  timeoutMinutes: number;
  nodes: RunNodeInfo[];
  instances: { name: string; node: string; index: number; cloud: string }[];
  parameters: ParameterSeed[];
}

/** How planLaunch checks. */
export interface PlanLaunchOptions {
  /**
   * False for a launch that is only a part of one (a deployment template,
   * checked at save): required inputs may be left to the launches that use
   * it. Default true.
   */
  requireInputs?: boolean;
}

/** Validates the launch against the plan and the clouds; returns the run to create or the violations. */
export function planLaunch(
  plan: ResolvedPlan,
  request: LaunchRequest,
  clouds: CloudCatalog,
  options: PlanLaunchOptions = {},
): { plan?: LaunchPlan; violations: FieldViolation[] } {
  const violations: FieldViolation[] = [];
  const report = (field: string, description: string) => violations.push({ field, description });
  const nodes = new Map(plan.nodes.map((n) => [n.name, n]));

  for (const node of Object.keys(request.nodeClouds)) if (!nodes.has(node)) report(`node_clouds.${node}`, `unknown node '${node}'`);

  const overrides = new Map<string, Record<string, string>>();
  for (const [key, value] of Object.entries(request.parameters)) {
    const field = `parameters.${key}`;
    const match = /^([a-z][a-z0-9-]*):([A-Za-z][A-Za-z0-9_-]*)$/.exec(key);
    if (!match) {
      report(field, 'must be NODE:PARAMETER, for example web:port');
      continue;
    }
    const [, nodeName, name] = match as unknown as [string, string, string];
    const node = nodes.get(nodeName);
    const definition = node?.parameters.find((p) => p.name === name);
    if (!node) report(field, `unknown node '${nodeName}'`);
    else if (!definition) report(field, `node '${nodeName}' has no parameter '${name}'`);
    else if (definition.category !== 'input') report(field, `'${name}' is an output; only inputs can be set at launch`);
    else {
      const problem = parameterValueProblem(definition.type, definition.values, value);
      if (problem) report(field, problem);
      else overrides.set(nodeName, { ...(overrides.get(nodeName) ?? {}), [name]: value });
    }
  }

  const keepRunning = request.keepRunning ?? 'on-success';
  if (!KEEP_RUNNING.includes(keepRunning)) report('keep_running', `must be one of ${KEEP_RUNNING.join(', ')}`);
  const timeoutMinutes = request.timeoutMinutes === 0 ? DEFAULT_TIMEOUT_MINUTES : request.timeoutMinutes;
  const timeoutProblem = timeoutMinutesProblem(timeoutMinutes);
  if (timeoutProblem) report('timeout_minutes', timeoutProblem);
  if (request.tags.length > MAX_TAGS) report('tags', `at most ${MAX_TAGS} tags`);
  request.tags.forEach((tag, i) => {
    if (!TAG.test(tag)) report(`tags[${i}]`, "must be 1 to 64 characters: letters, digits, '_', '.', ':', '=', '-'");
  });
  request.sshPublicKeys.forEach((key, i) => {
    if (!/^(ssh|ecdsa|sk)-[A-Za-z0-9@.-]+ [A-Za-z0-9+/=]+( .*)?$/.test(key) || key.length > 16384) {
      report(`ssh_public_keys[${i}]`, 'must be one OpenSSH public key line');
    }
  });

  const instances: LaunchPlan['instances'] = [];
  const parameters: ParameterSeed[] = [...runParameterSeeds(request.tags), ...nodeParameterSeeds(plan)];
  const nodeInfos: RunNodeInfo[] = [];
  for (const node of plan.nodes) {
    const cloud = request.nodeClouds[node.name] || node.cloud || request.defaultCloud;
    const cloudField = request.nodeClouds[node.name] ? `node_clouds.${node.name}` : 'default_cloud';
    if (!clouds.has(cloud)) {
      report(cloudField, cloud === '' ? `node '${node.name}' has no cloud: choose a default cloud` : `unknown cloud '${cloud}' for node '${node.name}'`);
    } else if (node.multiplicity > 0) {
      const image = node.images[cloud];
      if (!image) report(cloudField, `component ${node.component.path}@${node.component.version} of node '${node.name}' has no image for cloud '${cloud}'`);
      const imageProblem = image ? clouds.imageProblem(cloud, image) : undefined;
      if (imageProblem) report(`nodes.${node.name}.images.${cloud}`, `'${image}' ${imageProblem}`);
      for (const v of clouds.validateOptions(cloud, node.resources.clouds?.[cloud] ?? {})) {
        report(`nodes.${node.name}.resources.clouds.${cloud}.${v.field.replace(/^options\./, '')}`, v.description);
      }
    }
    const supplied = { ...node.mappings, ...Object.fromEntries(Object.keys(overrides.get(node.name) ?? {}).map((k) => [k, 'launch'])) };
    for (const missing of options.requireInputs === false ? [] : unsatisfiedRequiredInputs(node.parameters, supplied)) {
      report(`parameters.${node.name}:${missing}`, `required input '${missing}' of node '${node.name}' is neither mapped, defaulted nor supplied`);
    }
    nodeInfos.push({ name: node.name, maxProvisioningFailures: node.maxProvisioningFailures, nextIndex: node.multiplicity + 1 });
    for (let index = 1; index <= node.multiplicity; index++) {
      const name = `${node.name}.${index}`;
      instances.push({ name, node: node.name, index, cloud });
      parameters.push(...instanceParameterSeeds(node, name, cloud, overrides.get(node.name) ?? {}));
    }
  }
  if (instances.length > MAX_INSTANCES_PER_RUN) report('multiplicities', `a run has at most ${MAX_INSTANCES_PER_RUN} instances, this one ${instances.length}`);
  if (violations.length > 0) return { violations };
  const effective: ResolvedPlan = {
    ...plan,
    nodes: plan.nodes.map((node) => {
      const values = overrides.get(node.name) ?? {};
      return { ...node, parameters: node.parameters.map((p) => (p.name in values ? { ...p, default: values[p.name]! } : p)) };
    }),
  };
  return { plan: { plan: effective, keepRunning, timeoutMinutes, nodes: nodeInfos, instances, parameters }, violations };
}
