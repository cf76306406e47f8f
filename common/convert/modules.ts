/**
 * Paired conversions between the catalog's wire messages (slipstream.v1) and
 * its domain types. The controller's handlers and the client library both use
 * this file, so the two ends can never disagree on a field.
 */
import * as pb from '../../proto/gen/slipstream/v1/modules.js';
import {
  RECIPE_NAMES,
  type ModuleDocument,
  type ModuleKind,
  type ModuleVersionInfo,
  type ParameterCategory,
  type ParameterDefinition,
  type ParameterType,
  type PinnedModuleRef,
  type RecipeStep,
  type ResolvedPlan,
  type ResolvedRecipes,
  type Resources,
  type StoredModule,
} from '../modules/types.js';

const KIND_TO_PROTO: Record<ModuleKind, pb.ModuleKind> = {
  project: pb.ModuleKind.MODULE_KIND_PROJECT,
  component: pb.ModuleKind.MODULE_KIND_COMPONENT,
  application: pb.ModuleKind.MODULE_KIND_APPLICATION,
};

const CATEGORY_TO_PROTO: Record<ParameterCategory, pb.ParameterCategory> = {
  input: pb.ParameterCategory.PARAMETER_CATEGORY_INPUT,
  output: pb.ParameterCategory.PARAMETER_CATEGORY_OUTPUT,
};

const TYPE_TO_PROTO: Record<ParameterType, pb.ParameterType> = {
  string: pb.ParameterType.PARAMETER_TYPE_STRING,
  text: pb.ParameterType.PARAMETER_TYPE_TEXT,
  password: pb.ParameterType.PARAMETER_TYPE_PASSWORD,
  boolean: pb.ParameterType.PARAMETER_TYPE_BOOLEAN,
  int: pb.ParameterType.PARAMETER_TYPE_INT,
  enum: pb.ParameterType.PARAMETER_TYPE_ENUM,
};

function invert<K extends string, V extends number>(map: Record<K, V>): Map<V, K> {
  return new Map(Object.entries(map).map(([k, v]) => [v as V, k as K]));
}

const KIND_FROM_PROTO = invert(KIND_TO_PROTO);
const CATEGORY_FROM_PROTO = invert(CATEGORY_TO_PROTO);
const TYPE_FROM_PROTO = invert(TYPE_TO_PROTO);

/** Domain kind -> wire enum. */
export function moduleKindToProto(kind: ModuleKind): pb.ModuleKind {
  return KIND_TO_PROTO[kind];
}

/** Wire enum -> domain kind; undefined for UNSPECIFIED or unknown numbers. */
export function moduleKindFromProto(kind: pb.ModuleKind): ModuleKind | undefined {
  return KIND_FROM_PROTO.get(kind);
}

function resourcesToProto(resources: Resources): pb.Resources {
  const clouds: Record<string, pb.CloudResourceOptions> = {};
  for (const [cloud, options] of Object.entries(resources.clouds ?? {})) clouds[cloud] = { options: { ...options } };
  return { cpu: resources.cpu, ramGb: resources.ramGB, diskGb: resources.diskGB, clouds };
}

function resourcesFromProto(resources: pb.Resources | undefined): Resources {
  const out: Resources = {};
  if (resources?.cpu !== undefined) out.cpu = resources.cpu;
  if (resources?.ramGb !== undefined) out.ramGB = resources.ramGb;
  if (resources?.diskGb !== undefined) out.diskGB = resources.diskGb;
  const clouds = Object.entries(resources?.clouds ?? {});
  if (clouds.length > 0) out.clouds = Object.fromEntries(clouds.map(([c, o]) => [c, { ...(o.options ?? {}) }]));
  return out;
}

function parameterToProto(p: ParameterDefinition): pb.ParameterDefinition {
  return {
    name: p.name,
    category: CATEGORY_TO_PROTO[p.category],
    type: TYPE_TO_PROTO[p.type],
    values: p.values ?? [],
    defaultValue: p.default,
    description: p.description ?? '',
    required: p.required ?? false,
  };
}

/** A wire parameter as a raw (unvalidated) object in the YAML shape. */
function parameterToRaw(p: pb.ParameterDefinition): Record<string, unknown> {
  return {
    name: p.name,
    category: CATEGORY_FROM_PROTO.get(p.category) ?? '',
    type: TYPE_FROM_PROTO.get(p.type) ?? '',
    values: p.values.length > 0 ? [...p.values] : undefined,
    default: p.defaultValue,
    description: p.description || undefined,
    required: p.required || undefined,
  };
}

/** A validated domain document -> the wire spec. */
export function moduleDocumentToSpec(doc: ModuleDocument): pb.ModuleSpec {
  const header = { path: doc.path, description: doc.description ?? '' };
  switch (doc.kind) {
    case 'project':
      return { ...header, kind: { $case: 'project', value: {} } };
    case 'component': {
      const recipes: pb.Recipes = {
        preinstall: '', packages: [...(doc.recipes.packages ?? [])], postinstall: '', deployment: '',
        reporting: '', onVmAdd: '', onVmRemove: '', preScale: '', postScale: '',
      };
      for (const name of RECIPE_NAMES) recipes[name] = doc.recipes[name] ?? '';
      return {
        ...header,
        kind: {
          $case: 'component',
          value: {
            parent: doc.parent ?? '',
            images: { ...doc.images },
            resources: resourcesToProto(doc.resources),
            recipes,
            parameters: doc.parameters.map(parameterToProto),
          },
        },
      };
    }
    case 'application':
      return {
        ...header,
        kind: {
          $case: 'application',
          value: {
            nodes: doc.nodes.map((n) => ({
              name: n.name,
              component: n.component,
              multiplicity: n.multiplicity,
              cloud: n.cloud ?? '',
              maxProvisioningFailures: n.maxProvisioningFailures,
              mappings: { ...n.mappings },
            })),
          },
        },
      };
  }
}

/**
 * The wire spec -> a raw object in the YAML shape, for `validateModule`, which
 * reports what is wrong with it (unknown enum values become '').
 */
export function moduleSpecToRaw(spec: pb.ModuleSpec): Record<string, unknown> {
  const raw: Record<string, unknown> = { path: spec.path, description: spec.description || undefined };
  const kind = spec.kind;
  if (kind === undefined) return raw;
  raw.kind = kind.$case;
  if (kind.$case === 'component') {
    const c = kind.value;
    const recipes: Record<string, unknown> = {};
    for (const name of RECIPE_NAMES) if (c.recipes?.[name]) recipes[name] = c.recipes[name];
    if (c.recipes?.packages.length) recipes.packages = [...c.recipes.packages];
    Object.assign(raw, {
      parent: c.parent || undefined,
      images: { ...c.images },
      resources: resourcesFromProto(c.resources),
      recipes,
      parameters: c.parameters.map(parameterToRaw),
    });
  } else if (kind.$case === 'application') {
    raw.nodes = kind.value.nodes.map((n) => ({
      name: n.name,
      component: n.component,
      multiplicity: n.multiplicity,
      cloud: n.cloud || undefined,
      maxProvisioningFailures: n.maxProvisioningFailures,
      mappings: { ...n.mappings },
    }));
  }
  return raw;
}

/** Version metadata -> wire. */
export function moduleVersionToProto(info: ModuleVersionInfo): pb.ModuleVersion {
  return { ...info, tags: info.tags ?? [] };
}

/** Wire version metadata -> domain. */
export function moduleVersionFromProto(v: pb.ModuleVersion | undefined): ModuleVersionInfo {
  return {
    version: v?.version ?? 0,
    author: v?.author ?? '',
    createdAt: v?.createdAt ?? new Date(0),
    message: v?.message ?? '',
    contentHash: v?.contentHash ?? '',
    ...(v !== undefined && v.tags.length > 0 && { tags: [...v.tags] }),
  };
}

/** A stored module version -> wire. */
export function moduleToProto(m: StoredModule): pb.Module {
  return {
    spec: moduleDocumentToSpec(m.document),
    kind: moduleKindToProto(m.document.kind),
    version: moduleVersionToProto(m.info),
    latestVersion: m.latestVersion,
    deleted: m.deleted,
    tenant: '',
  };
}

/**
 * Wire module -> domain. The server only sends validated content, so this
 * trusts the spec's shape instead of re-validating it.
 */
export function moduleFromProto(m: pb.Module): StoredModule {
  return {
    document: moduleSpecToRaw(m.spec ?? { path: '', description: '' }) as unknown as ModuleDocument,
    info: moduleVersionFromProto(m.version),
    latestVersion: m.latestVersion,
    deleted: m.deleted,
  };
}

/** `tenant`: the owner of a shared module's plan (every reference of it lies in that catalog); '' for the caller's own. */
function refInTenantToProto(ref: PinnedModuleRef, tenant: string): pb.ModuleRef {
  return { path: ref.path, version: ref.version, tenant };
}

function refFromProto(ref: pb.ModuleRef | undefined): PinnedModuleRef {
  return { path: ref?.path ?? '', version: ref?.version ?? 0 };
}

function stepsToProto(steps: RecipeStep[], tenant: string): pb.RecipeStep[] {
  return steps.map((s) => ({ module: refInTenantToProto(s.module, tenant), script: s.script }));
}

function stepsFromProto(steps: pb.RecipeStep[] | undefined): RecipeStep[] {
  return (steps ?? []).map((s) => ({ module: refFromProto(s.module), script: s.script }));
}

/** A resolved plan -> wire. */
export function resolvedPlanToProto(plan: ResolvedPlan): pb.ResolvedPlan {
  const owner = plan.tenant ?? '';
  const refToProto = (ref: PinnedModuleRef) => refInTenantToProto(ref, owner);
  return {
    module: refToProto(plan.module),
    kind: moduleKindToProto(plan.kind),
    nodes: plan.nodes.map((n) => {
      const recipes = {} as pb.ResolvedRecipes;
      for (const name of RECIPE_NAMES) recipes[name] = stepsToProto(n.recipes[name], owner);
      return {
        name: n.name,
        component: refToProto(n.component),
        lineage: n.lineage.map(refToProto),
        multiplicity: n.multiplicity,
        cloud: n.cloud ?? '',
        maxProvisioningFailures: n.maxProvisioningFailures,
        images: { ...n.images },
        resources: resourcesToProto(n.resources),
        packages: [...n.packages],
        recipes,
        parameters: n.parameters.map(parameterToProto),
        mappings: { ...n.mappings },
      };
    }),
  };
}

/** Wire plan -> domain. */
export function resolvedPlanFromProto(plan: pb.ResolvedPlan): ResolvedPlan {
  return {
    module: refFromProto(plan.module),
    ...(plan.module?.tenant && { tenant: plan.module.tenant }),
    kind: moduleKindFromProto(plan.kind) === 'application' ? 'application' : 'component',
    nodes: plan.nodes.map((n) => {
      const recipes = {} as ResolvedRecipes;
      for (const name of RECIPE_NAMES) recipes[name] = stepsFromProto(n.recipes?.[name]);
      return {
        name: n.name,
        component: refFromProto(n.component),
        lineage: n.lineage.map(refFromProto),
        multiplicity: n.multiplicity,
        ...(n.cloud ? { cloud: n.cloud } : {}),
        maxProvisioningFailures: n.maxProvisioningFailures,
        images: { ...n.images },
        resources: resourcesFromProto(n.resources),
        packages: [...n.packages],
        recipes,
        parameters: n.parameters.map((p) => parameterToRaw(p) as unknown as ParameterDefinition),
        mappings: { ...n.mappings },
      };
    }),
  };
}
