/**
 * The textual grammar of the catalog: module paths and references
 * (`path`, `path@N`, `path:TAG`), parameter names, and mapping sources (`'literal'`,
 * `node:output`, `node.N:output`, `ss:name`). Syntax only: whether the named
 * thing exists is checked elsewhere.
 */
import {
  MAX_MODULE_PATH_LENGTH,
  MAX_MODULE_PATH_SEGMENTS,
  MODULE_PATH_SEGMENT_PATTERN,
  MODULE_TAG_PATTERN,
  NODE_NAME_PATTERN,
  PARAMETER_NAME_PATTERN,
  RUN_PARAMETER_NAME_PATTERN,
  RUN_PARAMETER_PREFIX,
} from './limits.js';
import { BUILTIN_INSTANCE_PARAMETERS, type ModuleReference } from './types.js';

const VERSION_PATTERN = /^[1-9][0-9]*$/;
const BUILTIN_NAMES: ReadonlySet<string> = new Set(BUILTIN_INSTANCE_PARAMETERS);
const BUILTIN_NAMES_LOWER: ReadonlySet<string> = new Set(BUILTIN_INSTANCE_PARAMETERS.map((n) => n.toLowerCase()));

/**
 * Why `path` is not a valid module path, as a short lowercase sentence, or
 * undefined when it is valid. Use it where a violation needs a description.
 */
export function modulePathProblem(path: string): string | undefined {
  if (path === '') return 'must not be empty';
  if (path.length > MAX_MODULE_PATH_LENGTH) {
    return `must be at most ${MAX_MODULE_PATH_LENGTH} characters (got ${path.length})`;
  }
  if (path.startsWith('/') || path.endsWith('/') || path.includes('//')) {
    return "must not start or end with '/' nor contain empty segments";
  }
  const segments = path.split('/');
  if (segments.length > MAX_MODULE_PATH_SEGMENTS) {
    return `must have at most ${MAX_MODULE_PATH_SEGMENTS} segments (got ${segments.length})`;
  }
  for (const segment of segments) {
    if (segment.includes('..')) return `segment '${segment}' must not contain '..'`;
    if (!MODULE_PATH_SEGMENT_PATTERN.test(segment)) {
      return `segment '${segment}' must start with a letter or digit, then letters, digits, '_', '.' or '-', at most 63 characters`;
    }
  }
  return undefined;
}

/** True when `path` is a valid module path (`project/sub/name`). */
export function isValidModulePath(path: string): boolean {
  return modulePathProblem(path) === undefined;
}

/**
 * Why `tag` cannot name a module tag (`stable`, `production`), or undefined
 * when it can: a lowercase letter, then lowercase letters, digits, '.', '_'
 * or '-', at most 63 characters.
 */
export function moduleTagProblem(tag: string): string | undefined {
  if (MODULE_TAG_PATTERN.test(tag)) return undefined;
  return `tag '${tag}' must start with a lowercase letter, then lowercase letters, digits, '.', '_' or '-', at most 63 characters`;
}

const REFERENCE_FORMS = 'must be a module reference (path, path@N or path:TAG)';

/**
 * Why `text` is not a valid module reference (`path`, `path@N` with N >= 1,
 * or `path:TAG`), or undefined when it is valid. `@N` and `:TAG` exclude each other.
 */
export function moduleReferenceProblem(text: string): string | undefined {
  const cut = text.search(/[@:]/);
  const path = cut < 0 ? text : text.slice(0, cut);
  const problem = modulePathProblem(path);
  if (problem !== undefined) return `${REFERENCE_FORMS}: path ${problem}`;
  if (cut < 0) return undefined;
  const suffix = text.slice(cut + 1);
  if (/[@:]/.test(suffix)) return `${REFERENCE_FORMS}: a version (@N) and a tag (:TAG) cannot be combined`;
  if (text[cut] === ':') {
    const tagProblem = moduleTagProblem(suffix);
    return tagProblem === undefined ? undefined : `${REFERENCE_FORMS}: ${tagProblem}`;
  }
  if (!VERSION_PATTERN.test(suffix) || !Number.isSafeInteger(Number(suffix))) {
    return `${REFERENCE_FORMS}: version '${suffix}' must be a positive integer`;
  }
  return undefined;
}

/** Parses `path` (latest), `path@N` (pinned, N a positive integer) or `path:TAG` (the version TAG points at); undefined when invalid. */
export function parseModuleReference(text: string): ModuleReference | undefined {
  if (moduleReferenceProblem(text) !== undefined) return undefined;
  const cut = text.search(/[@:]/);
  if (cut < 0) return { path: text };
  const path = text.slice(0, cut);
  return text[cut] === ':' ? { path, tag: text.slice(cut + 1) } : { path, version: Number(text.slice(cut + 1)) };
}

/** Writes a reference as users do: `path`, `path@N` or `path:TAG`. */
export function formatModuleReference(ref: ModuleReference): string {
  if (ref.version !== undefined) return `${ref.path}@${ref.version}`;
  return ref.tag === undefined ? ref.path : `${ref.path}:${ref.tag}`;
}

/**
 * Folder semantics: true when `path` is `prefix` or lies below it (`a/b` holds
 * `a/b` and `a/b/c`, not `a/bc`). An empty prefix holds every path; one
 * trailing `/` on the prefix is ignored.
 */
export function isPathUnderPrefix(path: string, prefix: string): boolean {
  const folder = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return folder === '' || path === folder || path.startsWith(`${folder}/`);
}

/** True when `name` is exactly a built-in instance parameter (`hostname`, `scale.state`, ...). */
export function isBuiltinParameter(name: string): boolean {
  return BUILTIN_NAMES.has(name);
}

/**
 * Why `name` cannot be the name of a declared parameter (or a mapped input),
 * or undefined when it can. Built-in names are reserved case-insensitively.
 */
export function parameterNameProblem(name: string): string | undefined {
  if (BUILTIN_NAMES_LOWER.has(name.toLowerCase())) {
    return `'${name}' is reserved: it is a built-in instance parameter`;
  }
  if (!PARAMETER_NAME_PATTERN.test(name)) {
    return "must start with a letter, then letters, digits, '_' or '-', at most 64 characters (no ':' or '.')";
  }
  return undefined;
}

/** Where a mapped input takes its value from. */
export type MappingSource =
  /** A constant: the text between the single quotes. */
  | { kind: 'literal'; value: string }
  /** A parameter of one instance of a node; `instance` is 1 for `node:param`. */
  | { kind: 'instance'; node: string; instance: number; parameter: string }
  /** A parameter of the run itself (`ss:tags`). */
  | { kind: 'run'; parameter: string };

/** The outcome of {@link parseMappingSource}: a source, or why the text is not one. */
export type MappingSourceParse = { ok: true; source: MappingSource } | { ok: false; problem: string };

const SOURCE_FORMS = "must be a quoted literal 'text', node:output, node.N:output or ss:name";
const INSTANCE_PATTERN = /^([^.]*)(?:\.(.*))?$/;

/**
 * Parses the source of a mapping. A literal is single-quoted and may contain
 * anything, quotes included (`'don't'` is the text `don't`). Whether the node
 * and parameter exist is not checked here.
 */
export function parseMappingSource(text: string): MappingSourceParse {
  const fail = (problem: string): MappingSourceParse => ({ ok: false, problem });
  if (text.startsWith("'") || text.endsWith("'")) {
    if (text.length < 2 || !text.startsWith("'") || !text.endsWith("'")) {
      return fail("a literal must start and end with a single quote, as 'text'");
    }
    return { ok: true, source: { kind: 'literal', value: text.slice(1, -1) } };
  }
  if (text.startsWith('"')) return fail("a literal is quoted with single quotes, as 'text', not double quotes");
  const colon = text.indexOf(':');
  if (colon < 0) return fail(`${SOURCE_FORMS}; to give a constant, quote it`);
  const left = text.slice(0, colon);
  const parameter = text.slice(colon + 1);
  if (left === RUN_PARAMETER_PREFIX) {
    if (!RUN_PARAMETER_NAME_PATTERN.test(parameter)) return fail(`'${parameter}' is not a run parameter name`);
    return { ok: true, source: { kind: 'run', parameter } };
  }
  const [, node = '', index] = INSTANCE_PATTERN.exec(left) ?? [];
  if (node === RUN_PARAMETER_PREFIX) return fail(`${SOURCE_FORMS}; the run (ss) has no instances`);
  if (!NODE_NAME_PATTERN.test(node)) return fail(`${SOURCE_FORMS}; '${node}' is not a node name`);
  if (index !== undefined && (!VERSION_PATTERN.test(index) || !Number.isSafeInteger(Number(index)))) {
    return fail(`instance number '${index}' must be an integer >= 1, as ${node}.1:${parameter}`);
  }
  if (!isBuiltinParameter(parameter) && !PARAMETER_NAME_PATTERN.test(parameter)) {
    return fail(`'${parameter}' is neither a parameter name nor a built-in parameter`);
  }
  const instance = index === undefined ? 1 : Number(index);
  return { ok: true, source: { kind: 'instance', node, instance, parameter } };
}
