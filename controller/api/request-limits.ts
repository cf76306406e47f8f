/**
 * How big a request may be, field by field: the table the request guard
 * (request-guard.ts) enforces on every call of every served service before
 * its handler runs, on the wire bytes, before they are decoded. Every
 * repeated and map field of every request message must have an entry in
 * {@link ENTRY_LIMITS} (request-limits.test.ts fails otherwise, and so does
 * the server's start), so that no field ships unbounded.
 *
 * The numbers are far above what a real caller sends: they keep the work a
 * request causes and the error it may get back bounded. They do not replace
 * the domain's rules: where the domain has a limit of its own, this one is
 * twice it ({@link aboveDomain}), so that a near miss gets the domain's
 * answer (the words `module validate` uses offline, the field as the
 * document names it) and only a flood gets this one.
 */
import { MAX_PARAMETER_VALUE_BYTES as MAX_RUNTIME_VALUE_BYTES } from '../domain/runs/parameter-keys.js';
import { MAX_INSTANCES_PER_RUN, MAX_TAGS } from '../domain/runs/launch.js';
import {
  MAX_DESCRIPTION_LENGTH,
  MAX_ENUM_VALUES,
  MAX_NODES,
  MAX_PACKAGES,
  MAX_PARAMETERS,
  MAX_PARAMETER_VALUE_BYTES,
  MAX_RECIPE_BYTES,
} from '../../common/modules/limits.js';
import { MAX_TEMPLATE_DESCRIPTION_LENGTH } from '../../common/templates/types.js';
import { MAX_PUBLICATION_TENANTS } from '../../common/modules/sharing.js';

/** Clouds a component names images or options for, settings of a cloud, fields of a credential: clouds and drivers are few. */
const FEW = 100;

/** The guard's limit for a field the domain already limits to `domainLimit`. */
export const aboveDomain = (domainLimit: number) => 2 * domainLimit;

/** Most UTF-8 bytes of a string of `chars` characters (4 bytes each at most). */
const bytesOfChars = (chars: number) => chars * 4;

/**
 * Most entries of each repeated and map field of a request message, by the
 * field's full name (`package.Message.field`). A map counts its entries.
 */
export const ENTRY_LIMITS: Readonly<Record<string, number>> = Object.freeze({
  // RunService
  'slipstream.v1.LaunchRunRequest.node_clouds': aboveDomain(MAX_NODES),
  'slipstream.v1.LaunchRunRequest.parameters': 1_000,
  'slipstream.v1.LaunchRunRequest.multiplicities': aboveDomain(MAX_NODES),
  'slipstream.v1.LaunchRunRequest.tags': aboveDomain(MAX_TAGS),
  'slipstream.v1.LaunchRunRequest.ssh_public_keys': 100,
  'slipstream.v1.ListRunsRequest.states': 32,
  'slipstream.v1.WatchRunsRequest.states': 32,
  // Each name is checked against the run's active instances: one violation per unknown name at most.
  'slipstream.v1.ScaleRunRequest.instances': MAX_INSTANCES_PER_RUN,
  // CloudService
  'slipstream.v1.CreateCloudRequest.settings': FEW,
  'slipstream.v1.UpdateCloudRequest.settings': FEW,
  'slipstream.v1.SetCredentialRequest.fields': FEW,
  // ModuleService (a module spec)
  'slipstream.v1.ComponentSpec.images': FEW,
  'slipstream.v1.ComponentSpec.parameters': aboveDomain(MAX_PARAMETERS),
  'slipstream.v1.Resources.clouds': FEW,
  'slipstream.v1.CloudResourceOptions.options': FEW,
  'slipstream.v1.Recipes.packages': aboveDomain(MAX_PACKAGES),
  'slipstream.v1.ParameterDefinition.values': aboveDomain(MAX_ENUM_VALUES),
  'slipstream.v1.ApplicationSpec.nodes': aboveDomain(MAX_NODES),
  'slipstream.v1.NodeSpec.mappings': 1_000,
  // ModuleService sharing: the handlers refuse more than MAX_PUBLICATION_TENANTS, naming the field
  'slipstream.v1.PublishModuleRequest.tenants': aboveDomain(MAX_PUBLICATION_TENANTS),
  'slipstream.v1.UnpublishModuleRequest.tenants': aboveDomain(MAX_PUBLICATION_TENANTS),
  // TemplateService (a template holds a launch: LaunchRunRequest's limits)
  'slipstream.v1.TemplateSpec.node_clouds': aboveDomain(MAX_NODES),
  'slipstream.v1.TemplateSpec.parameters': 1_000,
  'slipstream.v1.TemplateSpec.multiplicities': aboveDomain(MAX_NODES),
  'slipstream.v1.TemplateSpec.tags': aboveDomain(MAX_TAGS),
  'slipstream.v1.TemplateSpec.ssh_public_keys': 100,
  // UsageService: four keys, repeated at most (each unknown one is a violation)
  'slipstream.v1.GetUsageRequest.group_by': 16,
  // AgentService: an agent sends at most 200 lines a batch (agent/log-shipper.ts)
  'slipstream.v1.LogBatch.lines': 1_000,
});

/**
 * Most UTF-8 bytes of the string fields that may be longer than
 * {@link DEFAULT_STRING_BYTES}, by full field name. For a repeated field it
 * bounds each element, for a map field each value (keys keep the default).
 */
export const STRING_BYTE_LIMITS: Readonly<Record<string, number>> = Object.freeze({
  'slipstream.v1.ModuleSpec.description': aboveDomain(bytesOfChars(MAX_DESCRIPTION_LENGTH)),
  'slipstream.v1.ParameterDefinition.description': aboveDomain(bytesOfChars(MAX_DESCRIPTION_LENGTH)),
  'slipstream.v1.ParameterDefinition.default_value': aboveDomain(MAX_PARAMETER_VALUE_BYTES),
  'slipstream.v1.ParameterDefinition.values': aboveDomain(MAX_PARAMETER_VALUE_BYTES),
  ...Object.fromEntries(
    ['preinstall', 'postinstall', 'deployment', 'reporting', 'on_vm_add', 'on_vm_remove', 'pre_scale', 'post_scale'].map((recipe) => [
      `slipstream.v1.Recipes.${recipe}`,
      aboveDomain(MAX_RECIPE_BYTES),
    ]),
  ),
  // A mapped literal is quoted, and a quote inside it doubled.
  'slipstream.v1.NodeSpec.mappings': aboveDomain(2 * MAX_PARAMETER_VALUE_BYTES + 2),
  'slipstream.v1.SaveModuleRequest.message': 16 * 1024,
  'slipstream.v1.LaunchRunRequest.parameters': aboveDomain(MAX_RUNTIME_VALUE_BYTES),
  'slipstream.v1.LaunchRunRequest.ssh_public_keys': aboveDomain(16 * 1024),
  'slipstream.v1.SetRunParameterRequest.value': aboveDomain(MAX_RUNTIME_VALUE_BYTES),
  'slipstream.v1.TemplateSpec.parameters': aboveDomain(MAX_RUNTIME_VALUE_BYTES),
  'slipstream.v1.TemplateSpec.ssh_public_keys': aboveDomain(16 * 1024),
  'slipstream.v1.TemplateSpec.description': aboveDomain(bytesOfChars(MAX_TEMPLATE_DESCRIPTION_LENGTH)),
  'slipstream.v1.SaveTemplateRequest.message': 16 * 1024,
  // An SSH public key (Azure), a service account key (GCP), a certificate.
  'slipstream.v1.CreateCloudRequest.settings': 16 * 1024,
  'slipstream.v1.UpdateCloudRequest.settings': 16 * 1024,
  'slipstream.v1.SetCredentialRequest.fields': 64 * 1024,
});

/** Most UTF-8 bytes of any other string of a request: names, ids, references, keys, short text. */
export const DEFAULT_STRING_BYTES = 4096;

/**
 * Services whose callers are agents, not users. Their strings are bounded
 * only by {@link AGENT_STRING_BYTES} and may hold NUL: the session checks
 * what an agent sends request by request and answers a bad one alone,
 * where refusing the message here would end the agent's whole stream.
 */
export const AGENT_SERVICES: ReadonlySet<string> = new Set(['slipstream.v1.AgentService']);

/** Most UTF-8 bytes of a string an agent sends (its log lines are cut at 16 KiB, values at 64 KiB). */
export const AGENT_STRING_BYTES = 1024 * 1024;

/**
 * Largest request message the server decodes, in bytes (grpc-js answers a
 * bigger one RESOURCE_EXHAUSTED). The biggest real ones: a log batch of 200
 * lines of 16 KiB (3.2 MiB), a component with every recipe at 64 KiB.
 */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
