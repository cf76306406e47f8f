/**
 * The launch form's model: what the form holds (text, as typed), the checks made before sending (in the controller's
 * words, so a message reads the same whether the browser or the server caught it) and the LaunchRunRequest it becomes.
 * The server checks everything again; these checks only spare a round trip for the obvious.
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import { ParameterCategory, type ParameterDefinition, type ResolvedNode, type ResolvedPlan } from '../../../proto/gen/es/slipstream/v1/modules_pb.js';
import { KeepRunning, type LaunchRunRequestSchema } from '../../../proto/gen/es/slipstream/v1/runs_pb.js';
import { parameterValueProblem } from '../../../common/modules/parse-parameters.js';
import { MAX_MULTIPLICITY } from '../../../common/modules/limits.js';
import { DEFAULT_TIMEOUT_MINUTES, timeoutMinutesProblem } from '../../../common/runs/run-timeout.js';
import { listField, mapField } from './field-paths.js';
import { parameterTypeName } from './module-kind.js';

export interface NodeDraft {
  multiplicity: string;
  /** '' = the node's own cloud, else the default cloud. */
  cloud: string;
}

export interface LaunchDraft {
  /** '' = the controller's default cloud. */
  defaultCloud: string;
  nodes: Record<string, NodeDraft>;
  /** `node:param` -> value, for the inputs the form offers. */
  parameters: Record<string, string>;
  /** Separated by spaces or commas. */
  tags: string;
  keepRunning: KeepRunning;
  scalable: boolean;
  /** '' = the default. */
  timeoutMinutes: string;
  /** One OpenSSH public key a line. */
  sshPublicKeys: string;
}

/** An input parameter of a node as the form offers it. */
export interface LaunchInput {
  node: string;
  definition: ParameterDefinition;
  /** `node:param`, the request's key. */
  key: string;
  /** The source it is mapped from, when the application wires it (then the launch does not set it). */
  mappedFrom?: string;
}

/** The inputs of a node: its parameters of category input, in the component's order. */
export function inputsOf(node: ResolvedNode): LaunchInput[] {
  return node.parameters
    .filter((p) => p.category === ParameterCategory.INPUT)
    .map((definition) => {
      const input: LaunchInput = { node: node.name, definition, key: `${node.name}:${definition.name}` };
      const source = node.mappings[definition.name];
      if (source !== undefined) input.mappedFrom = source;
      return input;
    });
}

/** The form as it opens: the plan's multiplicities, the inputs' defaults, the CLI's defaults for the rest. */
export function initialDraft(plan: ResolvedPlan): LaunchDraft {
  const nodes: Record<string, NodeDraft> = {};
  const parameters: Record<string, string> = {};
  for (const node of plan.nodes) {
    nodes[node.name] = { multiplicity: String(node.multiplicity), cloud: '' };
    for (const input of inputsOf(node)) if (!input.mappedFrom) parameters[input.key] = input.definition.defaultValue ?? '';
  }
  return { defaultCloud: '', nodes, parameters, tags: '', keepRunning: KeepRunning.ON_SUCCESS, scalable: false, timeoutMinutes: '', sshPublicKeys: '' };
}

/** Whether a value differs from what the run would get anyway (the default), so it is worth sending. */
function isOverride(input: LaunchInput, value: string): boolean {
  const fallback = input.definition.defaultValue;
  return fallback === undefined ? value !== '' : value !== fallback;
}

const WHOLE_NUMBER = /^[0-9]+$/;

export const splitTags = (tags: string): string[] => tags.split(/[\s,]+/).filter((tag) => tag !== '');
export const splitLines = (text: string): string[] => text.split('\n').map((line) => line.trim()).filter((line) => line !== '');

/** What is plainly wrong before sending, by the request field the server would name. */
export function draftProblems(draft: LaunchDraft, plan: ResolvedPlan): Map<string, string[]> {
  const problems = new Map<string, string[]>();
  const add = (field: string, reason: string) => problems.set(field, [...(problems.get(field) ?? []), reason]);
  for (const node of plan.nodes) {
    const multiplicity = draft.nodes[node.name]?.multiplicity.trim() ?? '';
    if (!WHOLE_NUMBER.test(multiplicity) || Number(multiplicity) > MAX_MULTIPLICITY) add(mapField('multiplicities', node.name), `must be 0 to ${MAX_MULTIPLICITY}`);
    for (const input of inputsOf(node)) {
      if (input.mappedFrom) continue;
      const value = draft.parameters[input.key] ?? '';
      const { definition } = input;
      if (!isOverride(input, value)) {
        if (definition.required && definition.defaultValue === undefined) {
          add(mapField('parameters', input.key), `required input '${definition.name}' of node '${node.name}' is neither mapped, defaulted nor supplied`);
        }
        continue;
      }
      const type = parameterTypeName(definition.type);
      const problem = type ? parameterValueProblem(type, definition.values, value) : undefined;
      if (problem) add(mapField('parameters', input.key), problem);
    }
  }
  const timeout = draft.timeoutMinutes.trim();
  const timeoutProblem = timeout === '' ? undefined : WHOLE_NUMBER.test(timeout) ? timeoutMinutesProblem(Number(timeout) || DEFAULT_TIMEOUT_MINUTES) : timeoutMinutesProblem(Number.NaN);
  if (timeoutProblem) add('timeout_minutes', timeoutProblem);
  return problems;
}

/** The request the form sends: only what differs from the plan and the defaults, so the run records the choices made. */
export function launchRequestOf(moduleRef: string, draft: LaunchDraft, plan: ResolvedPlan, requestId: string): MessageInitShape<typeof LaunchRunRequestSchema> {
  const nodeClouds: Record<string, string> = {};
  const multiplicities: Record<string, number> = {};
  const parameters: Record<string, string> = {};
  for (const node of plan.nodes) {
    const choice = draft.nodes[node.name];
    if (choice?.cloud) nodeClouds[node.name] = choice.cloud;
    const multiplicity = Number(choice?.multiplicity.trim());
    if (multiplicity !== node.multiplicity) multiplicities[node.name] = multiplicity;
    for (const input of inputsOf(node)) {
      const value = draft.parameters[input.key] ?? '';
      if (!input.mappedFrom && isOverride(input, value)) parameters[input.key] = value;
    }
  }
  const timeout = draft.timeoutMinutes.trim();
  return {
    module: moduleRef,
    defaultCloud: draft.defaultCloud,
    nodeClouds,
    parameters,
    multiplicities,
    tags: splitTags(draft.tags),
    keepRunning: draft.keepRunning,
    scalable: draft.scalable,
    timeoutMinutes: timeout === '' ? 0 : Number(timeout),
    sshPublicKeys: splitLines(draft.sshPublicKeys),
    requestId,
  };
}

/** Request fields the tags and keys inputs answer for, element by element. */
export const tagField = (index: number): string => listField('tags', index);
export const sshKeyField = (index: number): string => listField('ssh_public_keys', index);
