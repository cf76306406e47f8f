/**
 * The catalog's domain model: what one module version contains, with the
 * names users write in YAML. Pure data; the wire and storage forms convert to
 * and from these types at their edges.
 */

export const MODULE_KINDS = ['project', 'component', 'application'] as const;
export type ModuleKind = (typeof MODULE_KINDS)[number];

export const PARAMETER_CATEGORIES = ['input', 'output'] as const;
export type ParameterCategory = (typeof PARAMETER_CATEGORIES)[number];

export const PARAMETER_TYPES = ['string', 'text', 'password', 'boolean', 'int', 'enum'] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

/** Script recipes in the order a VM runs them, then the scale hooks. */
export const RECIPE_NAMES = [
  'preinstall',
  'postinstall',
  'deployment',
  'reporting',
  'onVmAdd',
  'onVmRemove',
  'preScale',
  'postScale',
] as const;
export type RecipeName = (typeof RECIPE_NAMES)[number];

export interface ParameterDefinition {
  name: string;
  category: ParameterCategory;
  type: ParameterType;
  /** Allowed values; only (and always) for `enum`. */
  values?: string[];
  default?: string;
  description?: string;
  required?: boolean;
}

/** Bash scripts per phase plus the packages list; absent = nothing to run. */
export type Recipes = { [K in RecipeName]?: string } & { packages?: string[] };

export interface Resources {
  cpu?: number;
  ramGB?: number;
  diskGB?: number;
  /** Cloud name -> driver-specific options, validated by that cloud's driver at launch. */
  clouds?: Record<string, Record<string, string>>;
}

interface ModuleHeader {
  /** `project/sub/name` inside the tenant. */
  path: string;
  description?: string;
}

export interface ProjectDocument extends ModuleHeader {
  kind: 'project';
}

export interface ComponentDocument extends ModuleHeader {
  kind: 'component';
  /** `path` or `path@N` of the parent component. */
  parent?: string;
  images: Record<string, string>;
  resources: Resources;
  recipes: Recipes;
  parameters: ParameterDefinition[];
}

export interface NodeDefinition {
  /** DNS label, unique in the application. */
  name: string;
  /** `path` or `path@N` of a component. */
  component: string;
  multiplicity: number;
  cloud?: string;
  maxProvisioningFailures: number;
  /** Input parameter name -> source (`'literal'`, `node:output`, `node.N:output`, `ss:name`). */
  mappings: Record<string, string>;
}

export interface ApplicationDocument extends ModuleHeader {
  kind: 'application';
  nodes: NodeDefinition[];
}

/** The content of one module version. */
export type ModuleDocument = ProjectDocument | ComponentDocument | ApplicationDocument;

/** A reference as written: `path` (latest), `path@N` (pinned) or `path:TAG` (the version the tag points at). */
export interface ModuleReference {
  path: string;
  version?: number;
  /** A tag of the module; never together with `version`. */
  tag?: string;
  /** The owner tenant of a module shared with the caller (`@TENANT/path`); absent = the caller's own catalog. */
  tenant?: string;
}

/** An exact version. */
export interface PinnedModuleRef {
  path: string;
  version: number;
}

/** Metadata of one immutable version. */
export interface ModuleVersionInfo {
  version: number;
  author: string;
  createdAt: Date;
  message: string;
  contentHash: string;
  /** The tags pointing at this version now, by name, where the catalog tells them. */
  tags?: string[];
}

/** A module version as the catalog returns it. */
export interface StoredModule {
  document: ModuleDocument;
  info: ModuleVersionInfo;
  latestVersion: number;
  deleted: boolean;
}

/** Looks up a module version in the catalog (or in a set of files, offline). */
export type ModuleLookup = (ref: ModuleReference) => Promise<StoredModule | undefined>;

export interface RecipeStep {
  module: PinnedModuleRef;
  script: string;
}

export type ResolvedRecipes = { [K in RecipeName]: RecipeStep[] };

export interface ResolvedNode {
  name: string;
  component: PinnedModuleRef;
  /** Root ancestor first, ending with `component`. */
  lineage: PinnedModuleRef[];
  multiplicity: number;
  cloud?: string;
  maxProvisioningFailures: number;
  images: Record<string, string>;
  resources: Resources;
  packages: string[];
  recipes: ResolvedRecipes;
  parameters: ParameterDefinition[];
  mappings: Record<string, string>;
  /**
   * Cloud -> the image built from this very component (ImageService) that the
   * node's instances on that cloud boot instead of `images[cloud]`, skipping
   * preinstall, packages and postinstall. Set at launch; absent: none.
   */
  builtImages?: Record<string, BuiltImageUse>;
  /**
   * Only in an image build's plan, on a cloud whose VMs prepare themselves
   * before they are imaged: the script the agent runs once its reports are
   * sent (then it sets IMAGE_PREPARED_PARAMETER). Absent: none.
   */
  imagePreparation?: string;
}

/** A built image a node boots, and the build (its run's id) that made it. */
export interface BuiltImageUse {
  imageId: string;
  build: string;
}

/** The fully resolved, pinned plan a run executes. */
export interface ResolvedPlan {
  module: PinnedModuleRef;
  /**
   * The owner tenant's name when the module is shared with the caller
   * (`@TENANT/path`): every reference of the plan lies in that tenant's
   * catalog. Absent for the caller's own modules.
   */
  tenant?: string;
  kind: 'application' | 'component';
  nodes: ResolvedNode[];
}

/** Parameters every node instance has, whatever its component declares. */
export const BUILTIN_INSTANCE_PARAMETERS = [
  'hostname',
  'ip',
  'instanceid',
  'cloud',
  'vmstate',
  'statecustom',
  'abort',
  'complete',
  'scale.state',
  'url.ssh',
  'url.service',
] as const;

/** The node name used when a single component is launched. */
export const SINGLE_COMPONENT_NODE = 'machine';
