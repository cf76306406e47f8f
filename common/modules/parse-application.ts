/**
 * The body of an application document: its nodes, each with a component,
 * multiplicity, cloud, failure budget and the mappings that feed its inputs.
 */
import { entriesOf, integerIn, isFields, itemsOf, optionalText, report, reportUnknownFields, requiredText, type Fields, type Sink } from './field-readers.js';
import { MAX_MULTIPLICITY, MAX_NODES, MIN_NODES } from './limits.js';
import { cloudNameProblem, nodeNameProblem } from './module-names.js';
import { parameterValueProblem } from './parse-parameters.js';
import { moduleReferenceProblem, parameterNameProblem, parseMappingSource } from './refs.js';
import type { ApplicationDocument, NodeDefinition } from './types.js';

const NODE_FIELDS = ['name', 'component', 'multiplicity', 'cloud', 'maxProvisioningFailures', 'mappings'];

/**
 * Parses the nodes of an application document, reporting into `sink`; node
 * names must be unique and mappings may only name nodes of this application.
 */
export function parseApplication(raw: Fields, sink: Sink): Pick<ApplicationDocument, 'nodes'> {
  const items = itemsOf(raw.nodes, 'nodes', 'node definitions', sink);
  if (items !== undefined && items.length < MIN_NODES) report(sink, 'nodes', `must have at least ${MIN_NODES} node`);
  if (items !== undefined && items.length > MAX_NODES) report(sink, 'nodes', `must have at most ${MAX_NODES} nodes (got ${items.length})`);
  const list = items ?? [];
  const names = new Set(list.flatMap((item) => (isFields(item) && typeof item.name === 'string' ? [item.name] : [])));
  const first = new Map<string, number>();
  const nodes = list.map((item, i) => {
    const node = parseNode(item, `nodes[${i}]`, names, sink);
    if (node.name !== '') {
      const j = first.get(node.name);
      if (j !== undefined) report(sink, `nodes[${i}].name`, `duplicate node name '${node.name}' (also at nodes[${j}])`);
      else first.set(node.name, i);
    }
    return node;
  });
  return { nodes };
}

function parseNode(value: unknown, base: string, nodeNames: ReadonlySet<string>, sink: Sink): NodeDefinition {
  if (!isFields(value)) {
    report(sink, base, 'must be a mapping with name, component, multiplicity, cloud, maxProvisioningFailures, mappings');
    return { name: '', component: '', multiplicity: 1, maxProvisioningFailures: 0, mappings: {} };
  }
  reportUnknownFields(value, NODE_FIELDS, base, sink);
  const name = requiredText(value.name, `${base}.name`, sink);
  const nameOk = name !== undefined && !report(sink, `${base}.name`, nodeNameProblem(name));
  const component = requiredText(value.component, `${base}.component`, sink);
  if (component !== undefined) report(sink, `${base}.component`, moduleReferenceProblem(component));
  const multiplicity = integerIn(value.multiplicity, `${base}.multiplicity`, sink, 0, MAX_MULTIPLICITY, 1);
  const failures = integerIn(value.maxProvisioningFailures, `${base}.maxProvisioningFailures`, sink, 0, MAX_MULTIPLICITY, 0);
  if (failures !== undefined && multiplicity !== undefined && failures > multiplicity) {
    report(sink, `${base}.maxProvisioningFailures`, `must be at most the node's multiplicity (${multiplicity})`);
  }
  const cloud = optionalText(value.cloud, `${base}.cloud`, sink, Infinity);
  if (cloud !== undefined) report(sink, `${base}.cloud`, cloudNameProblem(cloud));
  return {
    name: nameOk ? name : '',
    component: component ?? '',
    multiplicity: multiplicity ?? 1,
    ...(cloud !== undefined && { cloud }),
    maxProvisioningFailures: failures ?? 0,
    mappings: parseMappings(value.mappings, `${base}.mappings`, nodeNames, sink),
  };
}

function parseMappings(value: unknown, base: string, nodeNames: ReadonlySet<string>, sink: Sink): Record<string, string> {
  const mappings: Record<string, string> = {};
  for (const [input, text] of entriesOf(value, base, 'input name to source', sink)) {
    const field = `${base}.${input}`;
    if (report(sink, field, parameterNameProblem(input))) continue;
    if (typeof text !== 'string') {
      const constant = typeof text === 'number' || typeof text === 'boolean' ? String(text) : undefined;
      report(sink, field, constant !== undefined
        ? `must be a string; to give the constant ${constant}, quote it: '${constant}'`
        : "must be a string: a quoted literal 'text', node:output, node.N:output or ss:name");
      continue;
    }
    const parsed = parseMappingSource(text);
    if (!parsed.ok) report(sink, field, parsed.problem);
    else if (parsed.source.kind === 'instance' && !nodeNames.has(parsed.source.node)) {
      report(sink, field, `unknown node '${parsed.source.node}'`);
    } else if (parsed.source.kind === 'literal') {
      const problem = parameterValueProblem('string', undefined, parsed.source.value);
      if (!report(sink, field, problem && `literal ${problem}`)) mappings[input] = text;
    } else mappings[input] = text;
  }
  return mappings;
}
