/**
 * Runtime parameter keys (domain.md "Runtime parameters"): `node.N:name` for
 * one instance, `node:name` = `node.1:name` except the node-level `node:ids`
 * and `node:multiplicity`, and `ss:name` for the run.
 */

export type ParsedKey =
  | { scope: 'instance'; instance: string; node: string; index: number; name: string }
  | { scope: 'node'; node: string; name: 'ids' | 'multiplicity' }
  | { scope: 'run'; name: string };

const NAME = '[A-Za-z][A-Za-z0-9_.-]{0,63}';
const INSTANCE_KEY = new RegExp(`^([a-z][a-z0-9-]{0,62})\\.([1-9]\\d{0,5}):(${NAME})$`);
const NODE_KEY = new RegExp(`^([a-z][a-z0-9-]{0,62}):(${NAME})$`);
const RUN_KEY = new RegExp(`^ss:(${NAME})$`);
const BARE_KEY = new RegExp(`^${NAME}$`);

/** Largest value a parameter may hold: 64 KiB of UTF-8. */
export const MAX_PARAMETER_VALUE_BYTES = 64 * 1024;

/** The canonical form of a qualified key, or undefined when it is not a key. */
export function parseParameterKey(key: string): ParsedKey | undefined {
  const run = RUN_KEY.exec(key);
  if (run) return { scope: 'run', name: run[1]! };
  const inst = INSTANCE_KEY.exec(key);
  if (inst) {
    const index = Number(inst[2]);
    return { scope: 'instance', instance: `${inst[1]}.${index}`, node: inst[1]!, index, name: inst[3]! };
  }
  const node = NODE_KEY.exec(key);
  if (!node) return undefined;
  if (node[2] === 'ids' || node[2] === 'multiplicity') return { scope: 'node', node: node[1]!, name: node[2] };
  return { scope: 'instance', instance: `${node[1]}.1`, node: node[1]!, index: 1, name: node[2]! };
}

/** The stored key of a parsed key. */
export function formatParameterKey(key: ParsedKey): string {
  if (key.scope === 'run') return `ss:${key.name}`;
  if (key.scope === 'node') return `${key.node}:${key.name}`;
  return `${key.instance}:${key.name}`;
}

/**
 * Qualifies a key as a recipe on instance `self` (`node.N`) wrote it: a bare
 * name is that instance's parameter. Undefined when it is not a key.
 */
export function qualifyParameterKey(key: string, self: string): string | undefined {
  if (BARE_KEY.test(key) && !key.includes(':')) return `${self}:${key}`;
  const parsed = parseParameterKey(key);
  return parsed ? formatParameterKey(parsed) : undefined;
}

/** Run parameters an agent may also set (the lb publishes the service URL). */
const AGENT_WRITABLE_RUN_KEYS = new Set(['ss:url.service']);

/**
 * Built-in instance parameters only the controller writes: what the cloud
 * reported when it made the VM (`ip`, `instanceid`), where it runs (`cloud`),
 * and the run's own bookkeeping (`vmstate`, `complete`, `abort`,
 * `scale.state`). Other nodes read them through mappings (`db:ip`), so a VM
 * that could write them could lie to its peers. `url.ssh` is kept for the
 * controller too: no driver reports an SSH login yet, and a peer must not be
 * sent to an address a VM chose. `hostname`, `statecustom` (ss-display) and
 * `url.service` stay the VM's to publish.
 */
export const CONTROLLER_WRITTEN_INSTANCE_PARAMETERS: ReadonlySet<string> = new Set([
  'ip',
  'instanceid',
  'cloud',
  'vmstate',
  'complete',
  'abort',
  'scale.state',
  'url.ssh',
]);

/** An agent may write its own instance's parameters and nothing else (plus `ss:url.service`). */
export function agentMaySet(qualifiedKey: string, self: string): boolean {
  if (AGENT_WRITABLE_RUN_KEYS.has(qualifiedKey)) return true;
  const parsed = parseParameterKey(qualifiedKey);
  return parsed?.scope === 'instance' && parsed.instance === self;
}

/** True when the (qualified) key names a built-in instance parameter that only the controller writes. */
export function controllerWrittenKey(qualifiedKey: string): boolean {
  const parsed = parseParameterKey(qualifiedKey);
  return parsed?.scope === 'instance' && CONTROLLER_WRITTEN_INSTANCE_PARAMETERS.has(parsed.name);
}

/** Run parameters the state machine keeps: what a run's state and abort flag are, never what a caller says. */
const CONTROLLER_WRITTEN_RUN_KEYS: ReadonlySet<string> = new Set(['ss:state', 'ss:abort']);

/**
 * True when only the controller writes the (qualified) key, for operators as
 * for agents: the controller-written instance built-ins, the node-level
 * `node:ids` and `node:multiplicity`, and the run's `ss:state` and `ss:abort`
 * (an operator aborts with AbortRun, not by setting the flag).
 */
export function writtenOnlyByController(qualifiedKey: string): boolean {
  const parsed = parseParameterKey(qualifiedKey);
  if (!parsed) return false;
  if (parsed.scope === 'node') return true;
  if (parsed.scope === 'run') return CONTROLLER_WRITTEN_RUN_KEYS.has(qualifiedKey);
  return CONTROLLER_WRITTEN_INSTANCE_PARAMETERS.has(parsed.name);
}

/** UTF-8 size check of a value. */
export function valueTooLarge(value: string): boolean {
  return Buffer.byteLength(value, 'utf8') > MAX_PARAMETER_VALUE_BYTES;
}
