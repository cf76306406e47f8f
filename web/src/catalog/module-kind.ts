/** Module kinds and parameter enums in the words the YAML files and the CLI use. */
import { ModuleKind, ParameterCategory, ParameterType } from '../../../proto/gen/es/slipstream/v1/modules_pb.js';

export type KindName = 'project' | 'component' | 'application';

const KIND_NAMES: ReadonlyMap<ModuleKind, KindName> = new Map([
  [ModuleKind.PROJECT, 'project'],
  [ModuleKind.COMPONENT, 'component'],
  [ModuleKind.APPLICATION, 'application'],
]);

/** `application` for MODULE_KIND_APPLICATION; undefined for an unspecified or newer kind. */
export const kindName = (kind: ModuleKind): KindName | undefined => KIND_NAMES.get(kind);

/** Only applications and components can be launched; a project is a folder. */
export const isLaunchable = (kind: ModuleKind): boolean => kind === ModuleKind.APPLICATION || kind === ModuleKind.COMPONENT;

const CATEGORY_NAMES: ReadonlyMap<ParameterCategory, string> = new Map([
  [ParameterCategory.INPUT, 'input'],
  [ParameterCategory.OUTPUT, 'output'],
]);

/** The domain's type names, as common/modules/types.ts spells them. */
export type ParameterTypeName = 'string' | 'text' | 'password' | 'boolean' | 'int' | 'enum';

const TYPE_NAMES: ReadonlyMap<ParameterType, ParameterTypeName> = new Map([
  [ParameterType.STRING, 'string'],
  [ParameterType.TEXT, 'text'],
  [ParameterType.PASSWORD, 'password'],
  [ParameterType.BOOLEAN, 'boolean'],
  [ParameterType.INT, 'int'],
  [ParameterType.ENUM, 'enum'],
]);

/** `input`/`output`; '' for an unknown number, as the CLI's conversion writes it. */
export const categoryName = (category: ParameterCategory): string => CATEGORY_NAMES.get(category) ?? '';

/** `int`, `password`, ...; undefined for an unknown number. */
export const parameterTypeName = (type: ParameterType): ParameterTypeName | undefined => TYPE_NAMES.get(type);
